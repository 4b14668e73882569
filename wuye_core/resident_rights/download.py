"""The resident's copy as a download, for both doors — the API's /api/v1/resident/my-data and the
residents' page (h5/rights.py): the JSON file (export.FORMAT, the API's schema), its entry in the
audit trail, and its throttle, one budget per account whichever door asks."""

from __future__ import annotations

import json

from flask import Response, current_app

from ..api.access import current_identity
from ..audit import record
from ..auth.models import ResidentAccount
from ..common.spreadsheets import download_name, download_response
from ..extensions import limiter
from ..i18n import _
from .export import personal_data
from .schemas import PersonalDataOut


def _export_limit() -> str:
    return current_app.config["WUYE"].resident_export_limit


def _account_key() -> str:
    identity = current_identity()
    return f"resident-export:{identity.tenant_id}:{identity.user_id}"


# the views' decorator: `resident_export_limit` (10 an hour) per account, shared by the views it decorates
export_throttle = limiter.shared_limit(_export_limit, "resident-export", key_func=_account_key)


def copy_download(account: ResidentAccount) -> Response:
    """The copy as a JSON file to download; its export recorded in the audit trail (the request's
    transaction: the edge commits it with the answer)."""
    document = personal_data(account)
    record("resident.data_exported", target_type="resident_account", target_id=account.id,
           details={"sections": len(document["sections"])})
    day = document["generated_at"][:10]
    body = json.dumps(PersonalDataOut().dump(document), ensure_ascii=False, indent=2).encode("utf-8")
    return download_response(body, download_name("personal-data", day, ext="json"),
                             download_name(_("My personal information"), day, ext="json"), "application/json")
