"""Notices (公告, #19 item 4): staff publish to a community, a site, a building or chosen
households; residents read the ones in force for their households; staff see who has read them.

    models.py    a notice, its chosen households, read receipts, its text messages (per phone)
    audience.py  who a notice is for, evaluated against the register when it is read
    service.py   publishing, withdrawing, the figures; what a resident sees and opening one
    texts.py     an urgent notice's text messages: a job after the commit, once per phone
    schemas.py   the API's shapes
    routes.py    /api/v1/notices/… (staff) and /api/v1/resident/notices/… (residents)

Decisions (see service.py for the detail):
- the audience is stored as a rule (community / site / building / chosen households), resolved
  against the register at read time: a household that moves in after publication sees a notice
  for its building that is still in force, one that moved out no longer counts;
- a published notice is never rewritten: a correction is a new notice that `replaces` the old
  one (withdrawn by it, in the same transaction); withdrawing keeps the record;
- urgent notices are also texted (resident_access/sms.send_text, purpose "urgent_notice") to every
  distinct phone of the audience's residents as it is at publication, once per phone.
"""
