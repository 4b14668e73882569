"""公告 at the console (notices/): the list of the notices of the communities the user reads, with
how many households of each have read it; the publishing form with the audience picker (the whole
community, a site, a building or chosen households; an urgent kind that is also texted); a notice's
page with its figures, its texts, the households that have read it and those that have not (for a
door-to-door visit) and, for those who may write in its community, withdrawing it. Every check and
change is the API's: notices/service.py and the API's schemas (the same messages, next to the field
they name)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..api.pagination import paginate
from ..extensions import db
from ..households.models import Building, Community, Household, Site, Unit
from ..notices import schemas as s
from ..notices import service
from ..notices.models import Notice
from ..notices.views import notice_views
from .access import community_reader
from .blueprint import bp
from .forms import attempt, console_form, form_values

AUDIENCES = (("community", _l("The whole community")), ("site", _l("A site")), ("building", _l("A building")),
             ("households", _l("Chosen households")))
KINDS = (("ordinary", _l("Ordinary")), ("urgent", _l("Urgent (also sent by text message)")))
CATEGORIES = (("water", _l("Water cut")), ("power", _l("Power cut")), ("weather", _l("Extreme weather")),
              ("other", _l("Other")))
STATES = (("in_force", _l("In force")), ("scheduled", _l("Not yet in force")), ("expired", _l("Expired")),
          ("withdrawn", _l("Withdrawn")))
READ_TABS = (("false", _l("Not read yet")), ("true", _l("Read")))
HOUSEHOLDS_SHOWN = 3000  # households offered by the picker (a community has a few thousand at most)
DONE_PUBLISHED = _l("The notice is published.")
DONE_URGENT = _l("The notice is published; its text messages are being sent.")
DONE_WITHDRAWN = _l("The notice is withdrawn. Residents no longer see it.")


def _writable_communities(identity) -> list[tuple[int, str]]:
    writable = identity.writable_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if writable is not None:
        stmt = stmt.where(Community.id.in_(writable))
    return [tuple(row) for row in db.session.execute(stmt).all()]


def _picker(communities: list[tuple[int, str]]) -> dict:
    """The audience picker's options, grouped: sites by community, buildings by site, households
    by building (rooms), within the communities the user may publish to."""
    ids = [c[0] for c in communities]
    names = dict(communities)
    sites, buildings, households = {}, {}, {}
    if ids:
        for site_id, community_id, name in db.session.execute(select(Site.id, Site.community_id, Site.name).where(
                Site.community_id.in_(ids)).order_by(Site.id)):
            sites.setdefault(names[community_id], []).append((site_id, name))
        site_names = {}
        for site_id, name in db.session.execute(select(Site.id, Site.name).where(Site.community_id.in_(ids))):
            site_names[site_id] = name
        for building_id, site_id, name in db.session.execute(select(Building.id, Building.site_id, Building.name)
                                                             .where(Building.community_id.in_(ids))
                                                             .order_by(Building.site_id, Building.id)):
            buildings.setdefault(site_names.get(site_id, ""), []).append((building_id, name))
        rows = db.session.execute(
            select(Household.id, Site.name, Building.name, Unit.entrance, Unit.number)
            .join(Site, Site.id == Household.site_id).join(Building, Building.id == Household.building_id)
            .join(Unit, Unit.id == Household.unit_id)
            .where(Household.community_id.in_(ids), Household.moved_out_on.is_(None))
            .order_by(Household.building_id, Unit.entrance, Unit.number, Household.id).limit(HOUSEHOLDS_SHOWN))
        for household_id, site, building, entrance, number in rows:
            room = f"{entrance}-{number}" if entrance else number
            households.setdefault(f"{site} {building}", []).append((household_id, room))
    return {"sites": list(sites.items()), "buildings": list(buildings.items()),
            "households": list(households.items())}


def _audience_text(notice: Notice) -> str:
    if notice.audience == "site":
        site = db.session.get(Site, notice.site_id)
        return f"{AUDIENCES[1][1]}：{site.name if site else '—'}"
    if notice.audience == "building":
        building = db.session.get(Building, notice.building_id)
        site = db.session.get(Site, notice.site_id) if notice.site_id else None
        return f"{AUDIENCES[2][1]}：{site.name if site else ''} {building.name if building else '—'}".strip()
    if notice.audience == "households":
        return str(AUDIENCES[3][1])
    return str(AUDIENCES[0][1])


def _rows(notices: list[Notice]) -> list[dict]:
    """The list's rows: the staff view (notices/views.py: a fixed number of queries per page)."""
    return [{**view, "notice": notice, "audience": _audience_text(notice),
             "community": db.session.get(Community, notice.community_id)}
            for notice, view in zip(notices, notice_views(notices), strict=True)]


@bp.route("/notices")
def notices():
    """公告：本人可查看的社区的公告（最新在前），每条的阅读户数；按状态筛选，分页。"""
    identity = community_reader()
    schema = s.NoticeQuery()
    args, errors = console_form(schema, form_values(schema, request.args))
    if errors:
        args, _ = console_form(schema, {})
    page = paginate(service.notices_query(identity, args["community_id"], args["state"], args["kind"]), Notice, args)
    rows = _rows(page["items"])
    return render_template("console/notices/list.html", current="notices", page=page, rows=rows, errors=errors,
                           state=args["state"], states=STATES, kinds=dict(KINDS), categories=dict(CATEGORIES),
                           may_publish=bool(_writable_communities(identity))), 422 if errors else 200


def _form_page(values: dict, errors: dict | None = None, status: int = 200):
    identity = community_reader()
    communities = _writable_communities(identity)
    if not communities:
        abort(403)
    return render_template("console/notices/new.html", current="notices", communities=communities,
                           picker=_picker(communities), audiences=AUDIENCES, kinds=KINDS, categories=CATEGORIES,
                           values=values, errors=errors or {}), status


@bp.route("/notices/new")
def notice_new():
    """发布公告：社区、范围（全社区、小区、楼栋或指定住户）、类型（紧急公告同时发短信）、标题、正文、有效期。"""
    return _form_page({"audience": "community", "kind": "ordinary"})


@bp.route("/notices", methods=["POST"])
def notice_publish():
    """发布公告（与 POST /api/v1/notices 相同的校验与审计）。"""
    identity = community_reader()
    schema = s.NoticeIn()
    values = form_values(schema)
    audience = values.get("audience")
    # the picker offers every audience's choice: only the chosen audience's is sent on
    for name, used in (("site_id", "site"), ("building_id", "building"), ("household_ids", "households")):
        if audience != used:
            values.pop(name, None)
    data, errors = console_form(schema, values)
    status = 422
    if not errors:
        notice, errors, status = attempt(lambda: service.publish(data, identity))
        if not errors:
            flash(str(DONE_URGENT if notice.kind == "urgent" else DONE_PUBLISHED), "success")
            return redirect(url_for("console.notice", notice_id=notice.id))
    return _form_page(values, errors, status)


def _detail(notice: Notice, errors: dict | None = None, status: int = 200):
    identity = community_reader()
    read = request.args.get("read", "false")
    read = read if read in ("true", "false") else "false"
    schema = s.HouseholdQuery()
    args, _ = console_form(schema, {**form_values(schema, request.args), "read": read})
    if args is None:
        args, _ = console_form(schema, {"read": read})
    page = paginate(service.households_query(notice, read == "true"), Household, args)
    households = [{"id": h.id, "site": site, "building": building, "room": f"{entrance}-{room}" if entrance else room,
                   "read_at": read_at} for h, site, building, entrance, room, read_at in page["items"]]
    row = _rows([notice])[0]
    return render_template(
        "console/notices/detail.html", current="notices", row=row, notice=notice, texts=row["texts"],
        page=page, households=households, read=read, read_tabs=READ_TABS, kinds=dict(KINDS),
        categories=dict(CATEGORIES), states=dict(STATES), replaced_by=row["replaced_by_id"],
        may_withdraw=identity.can_write(notice.community_id) and notice.withdrawn_at is None,
        errors=errors or {}), status


@bp.route("/notices/<int:notice_id>")
def notice(notice_id: int):
    """公告详情：正文、范围、阅读户数和比例、紧急公告的短信发送情况、已读和未读住户（上门告知）、撤回。"""
    identity = community_reader()
    found, _errors, status = attempt(lambda: service.readable_notice(notice_id, identity))
    if found is None:
        abort(status)
    return _detail(found)


@bp.route("/notices/<int:notice_id>/withdraw", methods=["POST"])
def notice_withdraw(notice_id: int):
    """撤回公告（与 POST /api/v1/notices/<id>/withdraw 相同）。"""
    identity = community_reader()
    data, errors = console_form(s.NoticeWithdrawIn())
    status = 422
    if not errors:
        _withdrawn, errors, status = attempt(lambda: service.withdraw(notice_id, identity, data.get("reason")))
        if status == 404:
            abort(404)
        if not errors:
            flash(str(DONE_WITHDRAWN), "success")
            return redirect(url_for("console.notice", notice_id=notice_id))
    found, _errors, missing = attempt(lambda: service.readable_notice(notice_id, identity))
    if found is None:
        abort(missing)
    return _detail(found, errors, status)
