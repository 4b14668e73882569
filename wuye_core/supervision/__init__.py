"""Supervision: a street reads, read-only, how the companies linked to it serve its sites.

    grant.py        the read grant an accepted link gives (tenancy/grants.py), and `supervising()`
    tickets.py      the provider's tickets of the linked sites, residents' data masked; its KPIs
    figures.py      street-wide figures: by community, ours and each linked company's
    streetwide.py   the street-wide comparison as a workbook
    schemas.py      the API's shapes, its own (never the core's TicketOut)
    routes.py       /api/v1/supervision/…

Through an accepted service link the client (the street) reads the provider's tickets of the
linked sites, their history, SLA figures and KPIs, with the reporter's name masked and no phone or
register ids; nothing else of the provider. Every read is recorded in the provider's audit trail.
"""
