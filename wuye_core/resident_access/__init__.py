"""Residents on their phones (#19): signing in with a one-time code, the privacy notice they
agree to; a resident's token opens these endpoints and no other (auth/identity.py, api/access.for_residents).

    phones.py    a phone number as typed → the digits it is compared by
    models.py    sign-in codes, privacy notices, consents
    sms.py       sending a text: the SMS provider plugins' hook, else the log
    codes.py     asking for a code, redeeming it for a token
    consent.py   the tenant's privacy notice and the resident's consent
    households.py the households a resident acts for (the register's, by phone)
    routes.py    /api/v1/resident/…
(`wuye residents code`, the support desk's: cli/residents.py)
"""
