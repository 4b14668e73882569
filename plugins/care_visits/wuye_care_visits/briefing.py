"""Briefs as both edges start and send them (the API's routes and the console's pages): the
checks before a brief's job is queued (size cap, the caller's budget), the job in the asker's
language, who may see a brief, and a download — access log, watermark, file names, the core's audit record."""

from __future__ import annotations

import base64

from flask import Response
from flask_smorest import abort

from wuye_core.plugins import (
    Community,
    current_identity,
    current_locale,
    db,
    download_name,
    download_response,
    get_for_update,
    record_audit,
    require_staff,
    services,
    store_note,
    tenant_name,
    xlsx_response,
)

from .access import NAME, audit, care_community, holds_care_role, watermark
from .brief import DOCX, defuse_formulas, stamp
from .i18n import N_, _
from .limits import check_brief_start
from .models import CareBrief


def enqueue(brief: CareBrief) -> CareBrief:
    """Build the brief's files in the background, in the caller's language (after the commit)."""
    if not services.enqueue_job(NAME, "build_brief", brief_id=brief.id, locale=current_locale()):
        brief.status, brief.error = (  # Redis could not take it: stored once, read in each reader's language
            "failed",
            store_note(N_("The job queue is unavailable; please try again later."), 300),
        )
        db.session.commit()
    db.session.expire_all()
    return db.session.get(CareBrief, brief.id)


def start(community_id: int | None, data: dict) -> CareBrief:
    check_brief_start(community_id)  # 422 past the size cap, 429 past the caller's budget (limits.py)
    brief = CareBrief(
        community_id=community_id,
        period_start=data["first"],
        period_end=data["last"],
        status="queued",
        progress=0,
        created_by=current_identity().username,
    )
    db.session.add(brief)
    db.session.flush()
    audit(community_id, None, "brief", brief.id)  # commits the brief with it
    return enqueue(brief)  # the brief is written in the language of whoever asks for it


def tenant_scope() -> None:
    """The tenant's brief: only a tenant-wide care role (404 for anyone else)."""
    if not holds_care_role(require_staff(), None):
        abort(404)


def issue(brief_id: int, data: dict) -> CareBrief:
    """签发 (both edges): the care lead only (404), the brief locked first, then the office's
    counter (issuing.issue: its number under the counter's row lock), the number committed with
    the access-log row, the files built again with the masthead."""
    from .issuing import issue as give_number

    require_lead(find_brief(brief_id))
    brief = get_for_update(CareBrief, brief_id)
    give_number(brief, data, current_identity().username, current_locale())
    audit(brief.community_id, None, "brief", brief.id)  # commits the number with the brief
    return enqueue(brief)


def require_lead(brief: CareBrief) -> None:
    """The care lead: a supervisor of the brief's community, or tenant-wide for the tenant's (404 else)."""
    if not holds_care_role(require_staff(), brief.community_id, supervisor=True):
        abort(404)


def find_brief(brief_id: int) -> CareBrief:
    brief = db.session.get(CareBrief, brief_id)
    if brief is None:
        abort(404)
    if brief.community_id is None:
        tenant_scope()
    else:
        care_community(brief.community_id)
    return brief


FILES = {"docx": "brief.docx", "xlsx": "ledger.xlsx"}


def download(brief_id: int, kind: str) -> Response:
    """A brief's file (`kind` "docx" or "xlsx"), as an export: the core's audit trail and the
    access log (the caller's view declares its action), the downloader's watermark."""
    record_audit(NAME, "exported", target_type="brief", target_id=brief_id, details={"file": FILES[kind]})
    brief = find_brief(brief_id)
    if brief.status != "done":
        abort(409, message=N_("The brief is not ready yet."))
    audit(brief.community_id, None, "brief", brief.id)
    content = base64.b64decode(getattr(brief, kind))
    if kind == "xlsx":
        content = defuse_formulas(content)  # a ledger stored before the safe writer
    content = stamp(content, watermark())
    # 关爱走访简报-稻香社区-2026-12-01至2026-12-31.docx / 关爱走访台账-….xlsx (the tenant's name for its brief)
    community = db.session.get(Community, brief.community_id) if brief.community_id is not None else None
    scope = community.name if community is not None else tenant_name()
    span = _("%(start)s to %(end)s", start=brief.period_start.isoformat(), end=brief.period_end.isoformat())
    title = _("Care visits brief") if kind == "docx" else _("Care visits ledger")
    name = download_name(title, scope, span, ext=kind)
    ascii_name = download_name("care", "brief" if kind == "docx" else "ledger", brief.id, brief.period_start,
                               brief.period_end, ext=kind)
    if kind == "xlsx":
        return xlsx_response(content, ascii_name, name)
    return download_response(content, ascii_name, name, DOCX)
