"""服务关系 at the console: this tenant's service links with other tenants (links/), grouped as
awaiting our answer, awaiting theirs, in force and ended. Any staff member but a field worker reads
them (as GET /api/v1/service-links); the tenant administrator proposes, accepts (naming our site),
declines, ends them and — on the side where the site lies — decides whether hand-offs carry the
reporter's contact. Every change goes through links/service.py (the API's rules, its audit rows in
both trails); a refusal is shown next to the field it names, with its status (422, 409, 403)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from sqlalchemy import select

from ..api.access import require_tenant_admin
from ..extensions import db
from ..households.models import Community, Site
from ..links import schemas as s
from ..links import service
from ..links.models import LinkState, ServiceLink, Side
from ..links.views import link_views
from ..tenancy import Tenant, require_tenant_id
from .access import community_reader
from .blueprint import bp
from .forms import attempt, console_form

SIDES = ((Side.provider.value, lazy_gettext("Provider (we serve the site)")),
         (Side.client.value, lazy_gettext("Client (the site lies in our area)")))
SIDE_NAMES = {Side.provider.value: lazy_gettext("Provider"), Side.client.value: lazy_gettext("Client")}
GROUPS = (("awaiting_us", lazy_gettext("Awaiting our answer")), ("awaiting_them", lazy_gettext("Awaiting their answer")),
          ("in_force", lazy_gettext("In force")), ("ended", lazy_gettext("Ended")))
STATE_NAMES = {LinkState.proposed.value: lazy_gettext("Proposed"), LinkState.accepted.value: lazy_gettext("In force"),
               LinkState.declined.value: lazy_gettext("Declined"), LinkState.revoked.value: lazy_gettext("Ended")}
SHOWN = 500  # links listed (a tenant has a few dozen at most)
DONE = {
    "propose": lazy_gettext("The proposal is sent. The link holds once the other side accepts it."),
    "accept": lazy_gettext("The link is in force."),
    "decline": lazy_gettext("The proposal is declined."),
    "revoke": lazy_gettext("The link has ended."),
    "share": lazy_gettext("Saved."),
}


def tenant_links() -> tuple:
    """The current tenant's links as (state, proposed_by, provider_tenant_id, client_community_id)
    rows, read once per request: the menu's three questions (the badge, 属地监管, 转办) answer
    from them instead of a query each on every page. A tenant has a handful of links."""
    rows = g.get("wuye_tenant_links")
    if rows is None:
        rows = g.wuye_tenant_links = tuple(db.session.execute(select(
            ServiceLink.state, ServiceLink.proposed_by, ServiceLink.provider_tenant_id,
            ServiceLink.client_community_id)).all())
    return rows


def awaiting_count(identity) -> int:
    """Proposals waiting for our answer, for the menu's badge: the tenant administrator's only
    (no one else may answer them)."""
    if identity is None or identity.is_operator or not identity.is_tenant_admin:
        return 0
    me = require_tenant_id()
    return sum(1 for state, proposed_by, provider, _community in tenant_links()
               if state == LinkState.proposed and proposed_by != (Side.provider if provider == me else Side.client))


def _grouped() -> dict[str, list[dict]]:
    links = list(db.session.scalars(service.links_query().limit(SHOWN)))
    groups: dict[str, list[dict]] = {key: [] for key, _label in GROUPS}
    for view in link_views(links):
        mine, theirs = ("provider", "client") if view["my_side"] == Side.provider.value else ("client", "provider")
        view["my_site_name"], view["their_site_name"] = view[f"{mine}_site_name"], view[f"{theirs}_site_name"]
        view["my_site_id"] = view[f"{mine}_site_id"]
        state = view["state"].value if hasattr(view["state"], "value") else view["state"]
        view["state"] = state
        view["since"] = view["ended_at"] or view["decided_at"] or view["proposed_at"]
        if state == LinkState.proposed.value:
            groups["awaiting_us" if view["awaiting_me"] else "awaiting_them"].append(view)
        elif state == LinkState.accepted.value:
            groups["in_force"].append(view)
        else:
            groups["ended"].append(view)
    return groups


def _our_sites() -> list[tuple[str, list[tuple[int, str]]]]:
    """Our sites grouped by community (the options of the site selects), in the register's order."""
    rows = db.session.execute(select(Community.id, Community.name, Site.id, Site.name)
                              .join(Site, Site.community_id == Community.id).order_by(Community.id, Site.id)).all()
    grouped: dict[int, tuple[str, list]] = {}
    for community_id, community_name, site_id, site_name in rows:
        grouped.setdefault(community_id, (community_name, []))[1].append((site_id, site_name))
    return list(grouped.values())


def _page(errors: dict | None = None, form: str = "", values: dict | None = None, status: int = 200):
    identity = community_reader()
    tenant = db.session.get(Tenant, require_tenant_id())
    admin = identity.is_tenant_admin
    values = values if values is not None else {"side": service.default_side(tenant.kind).value}
    page = render_template("console/links/list.html", current="links", groups=_grouped(), group_names=GROUPS,
                           admin=admin, sites=_our_sites() if admin else [], sides=SIDES, side_names=SIDE_NAMES,
                           state_names=STATE_NAMES, errors=errors or {}, form=form, values=values)
    return page, status


@bp.route("/links")
def links():
    """服务关系：待我方确认、待对方确认、生效中、已结束；租户管理员可提出、确认、拒绝、解除。"""
    return _page()


def _text(name: str) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value or None


@bp.route("/links", methods=["POST"])
def links_propose():
    """提出服务关系（与 POST /api/v1/service-links 相同的校验与审计）。"""
    require_tenant_admin()
    values = {key: value for key in ("partner", "site_id", "side", "note") if (value := _text(key)) is not None}
    if request.form.get("share_contact"):
        values["share_contact"] = True
    data, errors = console_form(s.LinkProposal(), values)
    status = 422
    if not errors:
        _link, errors, status = attempt(lambda: service.propose(
            partner=data["partner"], site_id=data["site_id"], side=data.get("side"), note=data.get("note"),
            share_contact=data.get("share_contact", False)))
        if not errors:
            flash(str(DONE["propose"]), "success")
            return redirect(url_for("console.links"))
    return _page(errors, "propose", {**values, "share_contact": bool(values.get("share_contact"))}, status)


def _act(action: str, link_id: int):
    """The call of one action on a link, from the form: (call, errors of the form)."""
    if action == "accept":
        data, errors = console_form(s.LinkAcceptance(), {k: v for k in ("site_id",) if (v := _text(k)) is not None})
        return (lambda: service.accept(link_id, data["site_id"])), errors
    if action == "share":
        return (lambda: service.change(link_id, share_contact=bool(request.form.get("share_contact")))), {}
    data, errors = console_form(s.LinkEnd(), {k: v for k in ("reason",) if (v := _text(k)) is not None})
    call = service.decline if action == "decline" else service.revoke
    return (lambda: call(link_id, data.get("reason"))), errors


@bp.route("/links/<int:link_id>/<any(accept, decline, revoke, share):action>", methods=["POST"])
def links_act(link_id: int, action: str):
    """确认（指明本方小区）、拒绝、解除服务关系，或（属地方）修改转办是否附报事人联系方式。"""
    require_tenant_admin()
    call, errors = _act(action, link_id)
    status = 422
    if not errors:
        _link, errors, status = attempt(call)
        if status == 404:  # not a link of ours: no form of the page to show the message by
            abort(404)
        if not errors:
            flash(str(DONE[action]), "success")
            return redirect(url_for("console.links"))
    return _page(errors, f"{action}-{link_id}", None, status)
