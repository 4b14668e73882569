"""The tickets workbench: the list (the API's filters and sort: tickets/listing.py), a ticket's
page (its fields, reporter as the caller may see them, history, photos, the actions the state
machine and the caller's access allow, dispatch, rating), uploads and downloads of its files,
and the Excel export of what is listed. Every check and change is the API's: tickets/access.py,
tickets/service.py, tickets/files.py, the API's schemas. The one-stop window: window.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from sqlalchemy import or_, select

from ..api.pagination import order_by, paginate
from ..audit import record
from ..auth.models import RoleGrant, StaffUser
from ..auth.names import display_names
from ..auth.roles import ALL, WORKER, Identity
from ..common.spreadsheets import download_name, xlsx_response
from ..errors import DomainError, error_body
from ..extensions import db
from ..households.models import Building, Community, Site
from ..i18n import N_, translate_message
from ..tickets import export, service
from ..tickets.access import (
    assignable_users,
    may_work,
    may_write,
    readable_ticket,
    workable_ticket,
    writable_ticket,
)
from ..tickets.files import attachment_response, store_upload
from ..tickets.lateness import late_stages
from ..tickets.listing import SORT_COLUMNS, ticket_query, with_plugin_links
from ..tickets.models import Ticket, TicketAttachment, TicketTransition
from ..tickets.schemas import RatingIn, TicketDetail, TicketQuery, TransitionIn, TransitionOut
from ..tickets.states import Status, allowed_actions
from .blueprint import bp
from .forms import GENERAL, console_form, domain_errors, form_values

STATUS_LABELS = {
    "submitted": _l("Submitted"), "accepted": _l("Accepted"), "dispatched": _l("Dispatched"),
    "on_site": _l("On site"), "resolved": _l("Resolved"), "closed": _l("Closed"), "reopened": _l("Reopened"),
    "cancelled": _l("Cancelled"),
}
KIND_LABELS = {"repair": _l("Repair"), "complaint": _l("Complaint"), "inquiry": _l("Inquiry"),
               "suggestion": _l("Suggestion"), "dispute": _l("Dispute")}
PRIORITY_LABELS = {"normal": _l("Normal"), "urgent": _l("Urgent"), "major": _l("Major"), "complex": _l("Complex")}
CHANNEL_LABELS = {"window": _l("One-stop window"), "phone": _l("Phone"), "app": _l("App"), "wechat": _l("WeChat"),
                  "walk_in": _l("Walk-in"), "liaison_visit": _l("Liaison visit"),
                  "handoff": _l("Handed over by a linked tenant")}
# what a person clicks (transitions) and reads in the history (every action written there)
ACTION_LABELS = {
    "submit": _l("Submitted"), "accept": _l("Accept"), "dispatch": _l("Dispatch"), "arrive": _l("Arrived on site"),
    "resolve": _l("Resolve"), "close": _l("Close"), "reopen": _l("Reopen"), "cancel": _l("Cancel the ticket"),
    "rate": _l("Rated"), "correct_rating": _l("Rating corrected"),
}
HISTORY_LABELS = {
    "submit": _l("Submitted"), "accept": _l("Accepted"), "dispatch": _l("Dispatched"), "arrive": _l("Arrived on site"),
    "resolve": _l("Resolved"), "close": _l("Closed"), "reopen": _l("Reopened"), "cancel": _l("Cancelled"),
    "rate": _l("Rated"), "correct_rating": _l("Rating corrected"),
}
LATE_LABELS = {"arrive": _l("Arrival overdue"), "resolve": _l("Resolution overdue")}
SORT_OPTIONS = (("-id", _l("Newest first")), ("id", _l("Oldest first")), ("-priority", _l("Most serious first")),
                ("status", _l("By status")), ("resolve_due_at", _l("Resolve deadline, soonest first")),
                ("arrive_due_at", _l("Arrive deadline, soonest first")))
FILTERS = ("community_id", "site_id", "status", "kind", "priority", "category", "assignee_id", "mine", "overdue",
           "q", "sort")
NO_FILE = N_("Choose a photo or a file to upload.")
TOO_MANY = N_("Too many tickets to export at once; narrow the filters.")
DONE = {"accept": _l("Ticket accepted."), "dispatch": _l("Ticket dispatched."), "arrive": _l("Arrival recorded."),
        "resolve": _l("Ticket resolved."), "close": _l("Ticket closed."), "reopen": _l("Ticket reopened."),
        "cancel": _l("Ticket cancelled.")}


def _identity() -> Identity:
    from ..api.access import require_staff

    return require_staff()


# --- the list ------------------------------------------------------------------------------------


def _list_args() -> tuple[dict, dict]:
    """The filters asked in the query string, loaded by the API's TicketQuery: (args, errors);
    with errors, the list shows everything newest first and says what was wrong."""
    schema = TicketQuery()
    data, errors = console_form(schema, form_values(schema, request.args))
    if errors:
        data, _ = console_form(schema, {"page": 1})
    return data, errors


def _readable_community_ids(identity: Identity) -> list[int]:
    readable = identity.readable_communities()
    stmt = select(Community.id).order_by(Community.id)
    if readable is not ALL:
        stmt = stmt.where(Community.id.in_(readable or [-1]))
    return list(db.session.scalars(stmt))


def _communities_of(identity: Identity) -> list[tuple[int, str]]:
    """The communities whose tickets the user may see (the register's, then a worker's)."""
    readable, field = identity.readable_communities(), identity.field_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if readable is not ALL and field is not ALL:
        stmt = stmt.where(Community.id.in_((readable or set()) | (field or set()) or [-1]))
    return [tuple(row) for row in db.session.execute(stmt)]


def _categories(community_id: int | None) -> list[str]:
    from ..tickets.sla import DEFAULT_CATEGORIES

    community = db.session.get(Community, community_id) if community_id else None
    return list(service.tickets_config(community)["categories"]) if community else list(DEFAULT_CATEGORIES)


def dispatch_candidates(community_ids) -> list[tuple[int, str]]:
    """Active workers of these communities (or of every community): (id, display name)."""
    ids = sorted(set(community_ids))
    stmt = (select(StaffUser.id, StaffUser.display_name, StaffUser.username).distinct()
            .join(RoleGrant, RoleGrant.user_id == StaffUser.id)
            .where(StaffUser.active.is_(True), RoleGrant.role == WORKER,
                   or_(RoleGrant.community_id.is_(None), RoleGrant.community_id.in_(ids or [-1])))
            .order_by(StaffUser.id))
    return [(uid, display or username) for uid, display, username in db.session.execute(stmt)]


def assignment_choices(community_id: int) -> tuple[list, list[str]]:
    """The dispatch dialog's choices, by the service's own rule (tickets/access.assignable_users):
    ([(group label, [(id, display name)…])…] workers first, then other staff who may be assigned;
    the teams (班组) of those users, sorted)."""
    found = assignable_users(community_id)
    groups = []
    for label, worker in ((_l("Workers"), True), (_l("Other staff"), False)):
        members = [(u.id, u.display_name or u.username) for u, in_field in found if in_field is worker]
        if members:
            groups.append((label, members))
    return groups, sorted({u.team for u, _ in found if u.team})


def _names(model, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _staff_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(StaffUser.id, StaffUser.display_name, StaffUser.username)
                              .where(StaffUser.id.in_(ids)))
    return {uid: display or username for uid, display, username in rows}


def _export_query(args: dict) -> dict:
    """The query string of the list's filters (no page) for the export link."""
    return {key: request.args[key] for key in FILTERS if request.args.get(key)}


@bp.route("/tickets")
def tickets():
    """工单列表：筛选、排序、超时标记（维修工：我的工单）。"""
    identity = _identity()
    args, errors = _list_args()
    page = paginate(ticket_query(args, identity), Ticket, args, columns=SORT_COLUMNS)
    items = page["items"]
    now = datetime.now(UTC)
    rows = [{"ticket": t, "late": late_stages(t, now)} for t in items]
    communities = _communities_of(identity)
    readable = identity.readable_communities()
    reader = readable is ALL or bool(readable)  # reads a community's register (not only a worker's queue)
    community_id = args.get("community_id")
    return render_template(
        "console/tickets/list.html", current="tickets", page=page, rows=rows, args=args, errors=errors,
        values=request.args, communities=communities,
        community_names=_names(Community, [t.community_id for t in items]) | dict(communities),
        site_names=_names(Site, [t.site_id for t in items]),
        assignee_names=_staff_names([t.assignee_id for t in items]),
        sites=list(db.session.execute(select(Site.id, Site.name).where(Site.community_id == community_id)
                                      .order_by(Site.id)).all()) if community_id else [],
        categories=_categories(community_id),
        assignees=dispatch_candidates([c for c, _ in communities]) if reader else [],
        reader=reader, worker=not reader, export_args=_export_query(args),
        labels=_labels(), sort_options=SORT_OPTIONS), 422 if errors else 200


def _labels() -> dict:
    return {"status": STATUS_LABELS, "kind": KIND_LABELS, "priority": PRIORITY_LABELS, "channel": CHANNEL_LABELS,
            "action": ACTION_LABELS, "history": HISTORY_LABELS, "late": LATE_LABELS}


@bp.route("/tickets/export.xlsx")
def tickets_export():
    """导出当前筛选的工单（Excel）：与 API 的导出相同的列、脱敏与审计，限于可读社区。"""
    identity = _identity()
    args, errors = _list_args()
    if errors:
        abort(422, errors=errors)
    ids = _readable_community_ids(identity)
    stmt = ticket_query(args, identity)
    conditions = [c for c in (stmt.whereclause,) if c is not None] + [Ticket.community_id.in_(ids or [-1])]
    if export.count_matching(conditions) > export.MAX_EXPORT_ROWS:
        abort(422, message=TOO_MANY)
    filters = {key: getattr(value, "value", value) for key, value in args.items()
               if key in FILTERS and key != "sort" and value is not None}
    record("tickets.exported", details={"filters": filters, "communities": ids})
    today = date.today().isoformat()
    return xlsx_response(lambda out: export.write_ticket_rows(out, conditions, ids,
                                                              order_by(Ticket, args.get("sort"), SORT_COLUMNS)),
                         download_name("tickets", "list", today, ext="xlsx"),
                         download_name("工单台账", "筛选结果", today, ext="xlsx"))


# --- one ticket ----------------------------------------------------------------------------------


def _detail(ticket: Ticket, errors: dict | None = None, status: int = 200, open_dialog: str | None = None):
    identity = g.identity
    ticket = with_plugin_links(ticket, identity)
    data = TicketDetail().dump(ticket)  # the reporter's phone masked as the API masks it
    history_rows = db.session.scalars(select(TicketTransition).where(TicketTransition.ticket_id == ticket.id)
                                      .order_by(TicketTransition.id)).all()
    history = TransitionOut(many=True).dump(history_rows)
    files = db.session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
                               .order_by(TicketAttachment.id).limit(100)).all()
    uploaders = display_names(f.uploaded_by for f in files)
    actions = [a for a in allowed_actions(ticket.status) if may_work(identity, ticket, a)]
    writer = may_write(identity, ticket)
    candidates, team_names = assignment_choices(ticket.community_id) if "dispatch" in actions else ([], [])
    site = db.session.get(Site, ticket.site_id)
    building = db.session.get(Building, ticket.building_id) if ticket.building_id else None
    from .handoffs import ticket_panel

    return render_template(
        "console/tickets/detail.html", current="tickets", t=ticket, data=data, history=history,
        history_rows_at=[row.at for row in history_rows], files=files,
        uploaders=uploaders, actions=actions, writer=writer, can_upload=may_work(identity, ticket),
        can_rate=writer and ticket.status in (Status.resolved, Status.closed),
        late=late_stages(ticket), community=db.session.get(Community, ticket.community_id), site=site,
        building=building, assignee=_staff_names([ticket.assignee_id]).get(ticket.assignee_id),
        candidates=candidates, teams=team_names, errors=errors or {}, values=request.form,
        open_dialog=open_dialog, labels=_labels(), handoffs=ticket_panel(ticket, writer)), status


@bp.route("/tickets/<int:ticket_id>")
def ticket(ticket_id: int):
    """工单详情：字段、报事人、流转记录、照片、可执行的操作。"""
    _identity()
    return _detail(readable_ticket(ticket_id))


def _refused(exc: BaseException, ticket_id: int, dialog: str | None = None):
    """A refusal of the service or the access check, shown on the ticket's page with its status
    (403, 409, 422) and its message; anything else (404 among them) goes on as it is."""
    errors = domain_errors(exc)
    status = getattr(exc, "status", None) if isinstance(exc, DomainError) else getattr(exc, "code", None)
    if errors is None or status in (None, 404):
        raise exc
    if isinstance(exc, DomainError):
        body = exc.body()
    else:
        data = getattr(exc, "data", None) or {}
        body = error_body(status, data.get("message"))
    shown = {GENERAL: [body["message"]]}
    for key, messages in errors.items():  # a Conflict's errors also carry the status and allowed actions
        name = key.split(".", 1)[1] if key.startswith(("json.", "form.", "files.")) else key
        if name not in ("status", "allowed_actions", GENERAL):
            shown[name] = messages
    db.session.rollback()  # the answer is ≥ 400: nothing of it is kept; the page reads afresh
    return _detail(readable_ticket(ticket_id), shown, status, dialog)


@bp.route("/tickets/<int:ticket_id>/transition", methods=["POST"])
def ticket_transition(ticket_id: int):
    """流转：与 API 的 POST …/transitions 相同（维修工只能到场、办结自己的工单）。"""
    identity = _identity()
    data, errors = console_form(TransitionIn())
    dialog = "dispatch-dialog" if request.form.get("action") == "dispatch" else None
    if errors:
        return _detail(readable_ticket(ticket_id), errors, 422, dialog)
    try:
        ticket = workable_ticket(ticket_id, data["action"])
        service.transition(ticket, data["action"], identity.username, data.get("note"), data.get("assignee_id"),
                           data.get("team"))
    except Exception as exc:
        return _refused(exc, ticket_id, dialog)
    flash(str(DONE[data["action"]]), "success")
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


@bp.route("/tickets/<int:ticket_id>/rating", methods=["POST"])
def ticket_rating(ticket_id: int):
    """回访评价（1–5 分），或带原因更正评价：与 API 的 PUT …/rating 相同。"""
    identity = _identity()
    data, errors = console_form(RatingIn())
    if errors:
        return _detail(readable_ticket(ticket_id), errors, 422)
    try:
        ticket = writable_ticket(ticket_id)
        service.rate(ticket, data["rating"], data.get("comment"), identity.username, reason=data.get("reason"),
                     comment_given="comment" in data)
    except Exception as exc:
        return _refused(exc, ticket_id)
    flash(str(_l("Rating recorded.")), "success")
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


@bp.route("/tickets/<int:ticket_id>/files", methods=["POST"])
def ticket_upload(ticket_id: int):
    """上传现场照片或附件：与 API 的 POST …/attachments 相同。"""
    identity = _identity()
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    try:
        ticket = workable_ticket(ticket_id, lock=False)
        if not uploads:
            return _detail(ticket, {"file": [translate_message(NO_FILE)]}, 422)
        for upload in uploads:
            store_upload(ticket, upload, identity.username)
    except Exception as exc:
        return _refused(exc, ticket_id)
    flash(str(_l("%(count)s file(s) uploaded.", count=len(uploads))), "success")
    return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#files")


@bp.route("/tickets/<int:ticket_id>/files/<int:attachment_id>")
def ticket_file(ticket_id: int, attachment_id: int):
    """附件（照片）：与 API 的下载相同的访问检查。"""
    _identity()
    return attachment_response(readable_ticket(ticket_id), attachment_id)


__all__ = ["CHANNEL_LABELS", "KIND_LABELS", "PRIORITY_LABELS", "assignment_choices", "dispatch_candidates"]
