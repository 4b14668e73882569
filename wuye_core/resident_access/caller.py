"""The signed-in resident behind an API request: for the resident routes of every feature
(resident tickets here, notices/, disclosures/, resident_rights/), one place that says "a
resident's token, and (for all but the privacy notice and their own copy) consent given first"."""

from __future__ import annotations

from flask_smorest import abort

from ..api.access import current_identity
from ..auth.models import ResidentAccount
from ..extensions import db
from ..i18n import N_
from .consent import needs_consent
from .households import my_households

CONSENT_REQUIRED = N_("Read the privacy notice and agree to it first (POST /api/v1/resident/consent).")


def me_account() -> ResidentAccount:
    """The signed-in resident's account (403 for any other caller)."""
    identity = current_identity()
    if identity.kind != "resident":
        abort(403, message=N_("This is for residents signed in with their phone."))
    account = db.session.get(ResidentAccount, identity.user_id)
    if account is None:
        abort(401)
    return account


def consented_account() -> ResidentAccount:
    """The signed-in resident's account, once they agreed to the current privacy notice (403
    `consent_required` before)."""
    account = me_account()
    if needs_consent(account):
        abort(403, message=CONSENT_REQUIRED, reason="consent_required")
    return account


def consented_households() -> list[dict]:
    """The households the consented resident acts for (resident_access/households.py)."""
    return my_households(consented_account().phone)
