"""A resident's rights over their personal information (个人信息保护法 arts. 44–47, #19 item 6):
a copy of what the platform holds about them (查阅、复制), and deletion (删除) on request, which
staff decide.

    models.py    deletion requests (删除请求) and what became of them
    export.py    "我的信息": the sections of what the tenant holds about a phone number — the account,
                 the register rows, tickets, the audit trail about them, requests — and the plugins'
                 (hook `wuye_resident_personal_data`)
    erasure.py   filing a request, approving (erase or anonymise: erasure.py's docstring says what
                 and why), refusing with a reason; the plugins erase theirs (hook `wuye_resident_erase`)
    download.py  the copy as a JSON file, its audit entry and throttle (the API's and h5/rights.py's)
    schemas.py, routes.py   /api/v1/resident/my-data, /api/v1/resident/deletion-requests (the
                 resident's), /api/v1/deletion-requests (the tenant admins' queue)
(the console's queue: console/deletion_requests.py)

It sits above every package it gathers from (tickets, households, resident_access, the audit
trail; the notices' read receipts when they come), so none of them needs to know it exists.
"""
