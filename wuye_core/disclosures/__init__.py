"""Public disclosures (公示, #19 item 5): staff publish documents with attachments — property
fees' income and spending, public income, maintenance-fund use — to a community or one of its
sites, for a publication period (公示期); residents of those households read the ones in force.

    models.py     a disclosure (its state now), its versions and files (kept, never changed)
    service.py    publish, correct (a new version), withdraw; what staff and residents may read
    files.py      a disclosure's files: an upload checked and kept, a download answered
    schemas.py    what the endpoints take and give
    routes.py     /api/v1/disclosures/… (staff)
    residents.py  /api/v1/resident/disclosures/… (a resident's token, after consent)
    access.py     who may read and change one (the API's routes and the console's pages)
    facade.py     `publish_disclosure`, for plugins (wuye_core.plugins; the fees plugin's statements)

For the residents' pages (/h5), with `households = my_households(account.phone)` after consent:
`service.current_for_resident(households)` lists what is in publication (dicts as the API's
items), `service.resident_view(service.resident_disclosure(households, id))` is one (NotFound
otherwise), `files.download(service.file_of_disclosure(disclosure, file_id, current_only=True))`
answers one of its files.

Nothing is deleted: a correction publishes version N+1 (with its reason) and keeps the earlier
ones for staff; a withdrawal ends the publication early (with its reason). Residents see the
current version and, when it was corrected, when and why (not the earlier contents: a correction
is often made because something should not have been published).
"""
