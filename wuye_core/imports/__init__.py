"""Imports of register data from Excel ledgers (台账).

- `households.py`: the household ledger import (小区/楼栋/单元/房号 … → buildings, units,
  households, residents), streaming and in batches;
- `columns.py`: the sheet's columns, their header synonyms, and the downloadable template;
- `models.py`: `ImportJob`, the progress and result of one import (table `import_jobs`);
- `routes.py`: upload (202 + a job), progress, template download;
- `tasks.py`: the background job; `cli.py`: `wuye import households`.
"""
