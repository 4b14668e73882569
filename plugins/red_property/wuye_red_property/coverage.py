"""共建协议与全覆盖: who manages each site (a property company, or the community's own team),
co-building agreements that bring commercial companies' sites under the community's coordination,
and the coverage view: every site should be served by some company or by the community's own team.

A company is named by a service link in force (the core's, partners.py): a site of ours with a
link in force is served by the link's company without any record here; agreements and manager
records refer to a link (`service_link_id`) and show its partner's name, read when shown. Records
of a company by name only (made before links) are kept as history and flagged "未建立服务关系".

Reads the core's sites and links (tenant-scoped by the core); writes only the plugin's own tables."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, select

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Rate,
    Site,
    Sort,
    StrictSchema,
    db,
    invalid,
    page_schema,
    paginate,
    rate_value,
    services,
)

from .common import NAME, label, readable, require_write, today, txt, writable
from .i18n import N_
from .liaison import check_site
from .models import Agreement, AgreementSite, SiteManagement
from .partners import FIELD, by_site, company, in_force, link_in_force, partner_names

blp = Blueprint("red_property_coverage", __name__, description="共建协议与全覆盖 / Agreements and coverage")

MANAGERS = ("company", "own_team")
SITE_KIND_ZH = {
    "compound": "商品房小区",
    "resettlement": "还建小区",
    "old": "老旧小区",
    "abandoned": "弃管小区",
    "village": "村湾",
    "other": "其他",
}


class SiteManagementIn(StrictSchema):
    manager = fields.String(
        required=True,
        validate=validate.OneOf(MANAGERS),
        metadata=label("company 物业公司 / own_team 社区自有团队（项目部）", "who manages the site"),
    )
    service_link_id = Id(allow_none=True, load_default=None, metadata=label(
        "物业公司：本社区生效中的服务关系 id（manager 为 company 时必填；见 /api/v1/service-links）",
        "the company: a service link in force in this community (required when manager is company)"))

    @validates_schema
    def _company_named(self, data, **kwargs):
        if data["manager"] == "company" and data.get("service_link_id") is None:
            raise ValidationError(N_("Choose the service link with the company."), "service_link_id")


class SiteManagementOut(StrictSchema):
    site_id = fields.Integer()
    community_id = fields.Integer()
    manager = fields.String(allow_none=True, metadata=label("未登记为空", "null: not recorded"))
    service_link_id = fields.Integer(allow_none=True, metadata=label("物业公司的服务关系", "the company's service link"))
    company_name = fields.String(allow_none=True, metadata=label(
        "服务关系对方的名称（关系已解除或旧记录：登记时的名称）",
        "the link's partner (link ended or an old record: the name recorded)"))
    link_in_force = fields.Boolean(metadata=label("服务关系生效中", "its service link is in force"))
    by_link = fields.Boolean(metadata=label(
        "本小区自身的服务关系（无需登记）", "served under this site's own service link (nothing recorded)"))


class AgreementIn(StrictSchema):
    service_link_id = Id(required=True, metadata=label(
        "物业公司：本社区小区上生效中的服务关系 id（本方为属地方；见 /api/v1/service-links）",
        "the company: a service link in force on a site of this community (we are the client)"))
    community_party = txt(
        200, required=True, min_length=1, metadata=label("社区方（签约单位）", "community side")
    )
    signed_on = fields.Date(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(
        allow_none=True, load_default=None, metadata=label("到期日（空：长期；不早于 starts_on）", "end (null: open; not before starts_on)")
    )
    scope = txt(5000, allow_none=True, load_default=None, strip=False, metadata=label("共建内容", "scope"))
    site_ids = fields.List(
        Id(),
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata=label(
            "协议覆盖的小区（默认：服务关系中本方的小区；须包含该小区）",
            "sites covered (default: the link's site on our side, which they must include)",
        ),
    )

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(N_("Ends before it starts."), "ends_on")


class AgreementOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    service_link_id = fields.Integer(allow_none=True, metadata=label(
        "服务关系（2026-12 前登记的协议为空）", "the service link (null: recorded before links)"))
    company_name = fields.String(allow_none=True, metadata=label(
        "物业公司：服务关系对方的名称；关系已解除或旧协议为登记时的名称",
        "the company: the link's partner; link ended or an old agreement: the name recorded"))
    link_in_force = fields.Boolean(metadata=label("服务关系生效中", "its service link is in force"))
    community_party = fields.String()
    signed_on = fields.Date()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    scope = fields.String(allow_none=True)
    site_ids = fields.List(fields.Integer())
    active = fields.Boolean(dump_only=True, metadata=label("今天有效", "in force today"))


class CoverageSite(StrictSchema):
    site_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_zh = fields.String()
    manager = fields.String(allow_none=True, metadata=label(
        "company 物业公司 / own_team 社区自有团队 / 空：无人", "company / own_team / null: nobody"))
    service_link_id = fields.Integer(allow_none=True, metadata=label("物业公司的服务关系", "the company's service link"))
    company_name = fields.String(allow_none=True, metadata=label("服务关系对方的名称", "the link's partner"))
    by_link = fields.Boolean(metadata=label(
        "由本小区生效中的服务关系确定", "served under this site's own service link in force"))
    no_service_link = fields.Boolean(metadata=label(
        "登记了物业公司但无生效中的服务关系（旧的文本记录）：未建立服务关系",
        "a company recorded without a service link in force (old text record)"))
    agreement_ids = fields.List(fields.Integer(), metadata=label("有效的共建协议", "agreements in force"))
    covered = fields.Boolean(
        metadata=label("有物业公司或社区团队服务", "served by a company or the own team")
    )
    coordinated = fields.Boolean(
        metadata=label(
            "纳入社区统筹（自有团队或共建协议）", "under the community's coordination (own team or agreement)"
        )
    )


class CoverageOut(StrictSchema):
    community_id = fields.Integer()
    total = fields.Integer()
    covered = fields.Integer()
    coordinated = fields.Integer()
    coverage_rate = Rate(metadata=label("覆盖率：有物业服务的小区 / 全部小区", "coverage: sites served / all sites"))
    uncovered = fields.List(
        fields.Nested(CoverageSite), metadata=label("无物业服务的小区", "sites nobody serves")
    )
    no_service_link = fields.List(
        fields.Nested(CoverageSite),
        metadata=label("登记了物业公司但未建立服务关系的小区", "sites with a company recorded but no service link"),
    )
    sites = fields.List(fields.Nested(CoverageSite))


def _site(site_id: int, write: bool) -> Site:
    site = readable(Site, site_id)  # gated by the core (site_id: Site in wuye_route_objects)
    if write:
        require_write(site.community_id)
    return site


def _management_out(site: Site) -> dict:
    own = by_site(site.community_id).get(site.id)
    if own is not None:  # the site's own link in force decides, recorded or not
        return {"site_id": site.id, "community_id": site.community_id, "manager": "company",
                "service_link_id": own.id, "company_name": own.partner_name, "link_in_force": True,
                "by_link": True}
    row = db.session.scalar(select(SiteManagement).where(SiteManagement.site_id == site.id))
    name, live = company(row and row.service_link_id, row and row.company_name, partner_names())
    return {
        "site_id": site.id,
        "community_id": site.community_id,
        "manager": row and row.manager,
        "service_link_id": row and row.service_link_id,
        "company_name": name if row is not None and row.manager == "company" else None,
        "link_in_force": live,
        "by_link": False,
    }


def set_management(community_id: int, site_id: int, manager: str, link=None, keep_existing: bool = False) -> None:
    """Record the site's manager: "company" with `link` (a ServiceLinkInfo in force), or "own_team"."""
    row = db.session.scalar(select(SiteManagement).where(SiteManagement.site_id == site_id))
    if row is not None and keep_existing:
        return
    if row is None:
        row = SiteManagement(community_id=community_id, site_id=site_id)
        db.session.add(row)
    row.manager = manager
    company_link = link if manager == "company" else None
    row.service_link_id = company_link.id if company_link else None
    row.company_name = company_link.partner_name if company_link else None


def _in_force(agreement: Agreement) -> bool:
    day = today()
    return agreement.starts_on <= day and (agreement.ends_on is None or agreement.ends_on >= day)


def _agreement_out(agreement: Agreement, names: dict[int, str] | None = None) -> dict:
    """The agreement as the API answers it (AgreementOut); `names`: partner_names(), for a list."""
    name, live = company(agreement.service_link_id, agreement.company_name,
                         partner_names() if names is None else names)
    return {
        "id": agreement.id,
        "community_id": agreement.community_id,
        "service_link_id": agreement.service_link_id,
        "company_name": name,
        "link_in_force": live,
        "community_party": agreement.community_party,
        "signed_on": agreement.signed_on,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "scope": agreement.scope,
        "site_ids": list(
            db.session.scalars(
                select(AgreementSite.site_id)
                .where(AgreementSite.agreement_id == agreement.id)
                .order_by(AgreementSite.site_id)
            )
        ),
        "active": _in_force(agreement),
    }


def _set_sites(agreement: Agreement, site_ids: list[int] | None, link) -> list[int]:
    """The agreement's sites: the link's site on our side by default, and always among them; a
    site another company serves under its own link is not this company's to agree on."""
    if site_ids is None:
        site_ids = [link.my_site_id]
    for i, site_id in enumerate(site_ids):
        check_site(agreement.community_id, site_id, f"site_ids.{i}")
    if link.my_site_id not in site_ids:
        invalid("site_ids", N_("The sites must include the site of the service link (%(site)s).",
                               site=link.my_site_name or link.my_site_id))
    linked = by_site(agreement.community_id)
    for i, site_id in enumerate(site_ids):
        other = linked.get(site_id)
        if other is not None and other.partner_tenant_id != link.partner_tenant_id:
            invalid(f"site_ids.{i}", N_("Another company serves this site under a service link."))
    db.session.execute(delete(AgreementSite).where(AgreementSite.agreement_id == agreement.id))
    for site_id in sorted(set(site_ids)):
        db.session.add(AgreementSite(agreement_id=agreement.id, site_id=site_id))
        # a site under an agreement is managed by that company, unless recorded otherwise already
        # (a site with its own link needs no record: its link says who serves it)
        if site_id not in linked:
            set_management(agreement.community_id, site_id, "company", link, keep_existing=True)
    return sorted(set(site_ids))


def _served(own, row: SiteManagement | None, names: dict[int, str]) -> dict:
    """Who serves a site: its own link in force; else the record (a company by its link — in
    force or not — or the own team); else nobody."""
    if own is not None:
        return {"manager": "company", "service_link_id": own.id, "company_name": own.partner_name,
                "by_link": True, "no_service_link": False}
    if row is None or row.manager != "company":
        return {"manager": row and row.manager, "service_link_id": None, "company_name": None, "by_link": False,
                "no_service_link": False}
    name, live = company(row.service_link_id, row.company_name, names)
    return {"manager": "company", "service_link_id": row.service_link_id, "company_name": name, "by_link": False,
            "no_service_link": not live}


def coverage(community_id: int) -> dict:
    sites = db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.id)).all()
    managed = {
        m.site_id: m
        for m in db.session.scalars(select(SiteManagement).where(SiteManagement.community_id == community_id))
    }
    links = in_force(community_id)
    own_links = {link.my_site_id: link for link in links.values()}
    names = {link_id: link.partner_name for link_id, link in links.items()}
    agreements: dict[int, list[int]] = {}
    for agreement, site_id in db.session.execute(
        select(Agreement, AgreementSite.site_id)
        .join(AgreementSite, AgreementSite.agreement_id == Agreement.id)
        .where(Agreement.community_id == community_id)
        .order_by(Agreement.id)
    ):
        if _in_force(agreement):
            agreements.setdefault(site_id, []).append(agreement.id)
    rows = []
    for site in sites:
        kind = getattr(site.kind, "value", site.kind)
        in_force_here = agreements.get(site.id, [])
        served = _served(own_links.get(site.id), managed.get(site.id), names)
        rows.append(
            {
                "site_id": site.id,
                "name": site.name,
                "kind": kind,
                "kind_zh": SITE_KIND_ZH.get(kind, kind),
                **served,
                "agreement_ids": in_force_here,
                "covered": served["manager"] is not None,
                "coordinated": served["manager"] == "own_team" or bool(in_force_here),
            }
        )
    covered = sum(r["covered"] for r in rows)
    return {
        "community_id": community_id,
        "total": len(rows),
        "covered": covered,
        "coordinated": sum(r["coordinated"] for r in rows),
        "coverage_rate": rate_value(covered, len(rows)),
        "uncovered": [r for r in rows if not r["covered"]],
        "no_service_link": [r for r in rows if r["no_service_link"]],
        "sites": rows,
    }


def manage_site(site_id: int, data: dict) -> Site:
    """Record who manages the site (SiteManagementIn); 403 unless the caller may write in its
    community. The edge commits."""
    site = _site(site_id, write=True)
    own = by_site(site.community_id).get(site.id)
    link = None
    if data["manager"] == "company":
        link = link_in_force(site.community_id, data["service_link_id"])
        if own is not None and own.id != link.id:
            invalid(FIELD, N_("This site is served under its own service link #%(id)s.", id=own.id))
    elif own is not None:
        invalid("manager", N_("A company serves this site under a service link in force; end the link first."))
    set_management(site.community_id, site.id, data["manager"], link)
    return site


def management_of(site: Site) -> dict:
    """Who manages the site, as the API answers it (SiteManagementOut)."""
    return _management_out(site)


def agreements_page(community_id: int, args: dict) -> dict:
    """A page of the community's agreements (AgreementQuery), each with its sites and `active`."""
    page = paginate(select(Agreement).where(Agreement.community_id == community_id), Agreement, args)
    names = partner_names()
    page["items"] = [_agreement_out(a, names) for a in page["items"]]
    return page


def agreement_detail(agreement: Agreement) -> dict:
    """The agreement with its company, `site_ids` and `active` (AgreementOut)."""
    return _agreement_out(agreement)


def record_agreement(community_id: int, data: dict) -> Agreement:
    """Record a co-building agreement (AgreementIn) as the caller: 403 unless they may write in
    the community, 422 naming a site of another community. The edge commits."""
    require_write(community_id)
    data = dict(data)
    site_ids = data.pop("site_ids")
    link = link_in_force(community_id, data["service_link_id"])
    agreement = Agreement(community_id=community_id, company_name=link.partner_name, **data)
    db.session.add(agreement)
    db.session.flush()
    chosen = _set_sites(agreement, site_ids, link)
    services.emit(NAME, "agreement_recorded", community_id, agreement.id, sites=len(chosen),
                  service_link_id=link.id)
    return agreement


def change_agreement(agreement_id: int, data: dict) -> Agreement:
    """Replace an agreement's terms and sites (AgreementIn), locked; 403 unless the caller may
    write in its community. The edge commits."""
    agreement = writable(Agreement, agreement_id)
    data = dict(data)
    site_ids = data.pop("site_ids")
    link = link_in_force(agreement.community_id, data["service_link_id"])
    for key, value in data.items():
        setattr(agreement, key, value)
    agreement.company_name = link.partner_name  # an old agreement's typed name gives way to the link's
    _set_sites(agreement, site_ids, link)
    return agreement


@blp.route("/sites/<int:site_id>/management", endpoint="site_management")
class Management(MethodView):
    @blp.response(200, SiteManagementOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, site_id):
        """小区由谁管理 / Who manages a site"""
        return _management_out(_site(site_id, write=False))

    @blp.arguments(SiteManagementIn)
    @blp.response(200, SiteManagementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def put(self, data, site_id):
        """登记小区的管理方：物业公司或社区自有团队 / Record a site's manager: a company or the own team"""
        site = manage_site(site_id, data)
        db.session.commit()
        return _management_out(site)


@blp.route("/communities/<int:community_id>/coverage", endpoint="coverage")
class Coverage(MethodView):
    @blp.response(200, CoverageOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """全覆盖：每个小区由谁服务，列出无物业的小区 / Coverage: who serves each site; sites with nobody"""
        return coverage(community_id)


class AgreementQuery(PageArgs):
    sort = Sort("id", "signed_on", "starts_on", "ends_on")


@blp.route("/communities/<int:community_id>/agreements", endpoint="agreements")
class Agreements(MethodView):
    @blp.arguments(AgreementQuery, location="query")
    @blp.response(200, page_schema(AgreementOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """红色物业共建协议（默认最新在前）/ Co-building agreements of a community, newest first"""
        return agreements_page(community_id, args)

    @blp.arguments(AgreementIn)
    @blp.response(201, AgreementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记共建协议 / Record a co-building agreement"""
        agreement = record_agreement(community_id, data)
        services.commit()
        return _agreement_out(agreement)


@blp.route("/agreements/<int:agreement_id>", endpoint="agreement")
class AgreementItem(MethodView):
    @blp.response(200, AgreementOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, agreement_id):
        """共建协议 / An agreement"""
        return _agreement_out(readable(Agreement, agreement_id))

    @blp.arguments(AgreementIn)
    @blp.response(200, AgreementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def put(self, data, agreement_id):
        """修改共建协议 / Replace an agreement's terms and sites"""
        agreement = change_agreement(agreement_id, data)
        db.session.commit()
        return _agreement_out(agreement)

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, agreement_id):
        """删除共建协议 / Delete an agreement"""
        agreement = writable(Agreement, agreement_id)
        db.session.execute(delete(AgreementSite).where(AgreementSite.agreement_id == agreement.id))
        db.session.delete(agreement)
        db.session.commit()
