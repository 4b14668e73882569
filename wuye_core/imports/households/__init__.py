"""The household ledger import: an .xlsx of units and their households into the register.

    outcome = HouseholdImport(community_id, actor="admin", on_batch=...).run(file)   # run.py

The pipeline, one module a stage, in the order a row goes through them:

    workbook.py    open the .xlsx (streaming, read-only) and find the header row
    cells.py       one cell → text, a number, an ISO date or tags, as the API's fields take them
    rows.py        one row → a Record, or its RowErrors (checked by the API's own schema fields)
    seen_keys.py   the first row of each unit seen so far: duplicate rows in the file
    lock.py        the community's import lock, taken by each batch's transaction before it plans
    plan.py        a batch of Records → Plans: what each row creates or changes, against the stored rows
    write.py       Plans → the register: the plugins' veto, bulk INSERT/UPDATE, the core events
    run.py         HouseholdImport: reads and checks in a second thread, writes batch by batch
    report.py      what comes back: Outcome (counts, row errors), RowError, ImportFailed
    columns.py     the ledger's columns, their header synonyms, and the downloadable template

Each row names a unit by (小区, 楼栋, 单元, 房号) and says who lives there:
- the site (小区) must already exist in the community (sites have a kind nobody would guess);
  a building (楼栋) and a unit are created when missing, the unit's floor and area updated;
- the unit's current household (not moved out; the newest if several) gets the row's type,
  moved-in date and number of people; a unit without one gets a new household;
- the head of household (户主) is the household's resident of that name — a resident's natural
  key is (household, name), a unique index (households/models.py) — created when missing, else
  their phone and ID-card number updated and the row's tags added.
The import never deletes: a blank cell leaves what is stored as it is, tags are only added, and
residents the file does not name (family members, a former head) are kept as they are.
So importing the same file twice changes nothing the second time. Importing it twice at once
gives the same register as once: each batch plans under its community's lock (lock.py), so the
later batch sees what the earlier one committed; the unique index is the backstop against writers
that take no lock (a batch that meets it is rolled back and planned again, run.py).

A row with any problem is not imported at all, and reported with its row number (as Excel
shows it), its column header (as written in the file) and the reason (an English msgid, shown
translated). The values are checked by the very fields of the API's schemas
(households/schemas.py), so a phone number the API refuses is refused here with the same words.
Plugins' `wuye_validate_resident` veto applies to each head of household created or changed, and
the core events (`household_created`, `resident_changed` …) are recorded in the outbox with each
batch — only when an enabled plugin listens, so a 100,000-row import does not queue 200,000
events nobody receives.
"""
