"""Residents on their phones (#19): signing in with a one-time code, the privacy notice they
agree to; a resident's token opens these endpoints and no other (auth/identity.py, api/access.for_residents).

    phones.py    a phone number as typed → the digits it is compared by
    models.py    sign-in codes, privacy notices, consents
    sms.py       sending a text: the SMS provider plugins' hook, else the log
    codes.py     asking for a code, redeeming it for a token
    consent.py   the tenant's privacy notice and the resident's consent
    households.py the households a resident acts for (the register's, by phone)
    tickets.py   reporting for one of my households, following it in plain words, rating it
    limits.py    the sign-in's throttling, one budget for the API and the residents' pages
    community_links.py  the signed link of a community's gate poster (/h5/c/<tenant>/<id>-<signature>)
    caller.py    the resident behind a request: their account, consent given, their households
    routes.py    /api/v1/resident/…
(`wuye residents code`, the support desk's: cli/residents.py; the residents' pages: h5/)
"""
