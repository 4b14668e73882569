"""Imports of register data from Excel ledgers (台账).

- `households/`: the household ledger import (小区/楼栋/单元/房号 … → buildings, units,
  households, residents), streaming and in batches, one module a stage (its `__init__.py` lists
  them); `households/columns.py`: the sheet's columns, their header synonyms, the template;
- `models.py`: `ImportJob`, the progress and result of one import (table `import_jobs`);
- `routes.py`: upload (202 + a job), progress, template download;
- `tasks.py`: the background job; `cli.py`: `wuye import households`.
"""
