"""共建协议与全覆盖: who manages each site (a property company, or the community's own team),
co-building agreements that bring commercial companies' sites under the community's coordination,
and the coverage view: every site should be served by some company or by the community's team.

Reads the core's sites (tenant-scoped by the core); writes only the plugin's own tables."""

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
    page_schema,
    paginate,
    rate_value,
    services,
)

from .common import NAME, label, readable, require_write, today, txt, writable
from .i18n import N_
from .liaison import check_site
from .models import Agreement, AgreementSite, SiteManagement

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
    company_name = txt(200, allow_none=True, load_default=None, metadata=label(
        "物业公司名称（manager 为 company 时必填）", "company (required when manager is company)"))

    @validates_schema
    def _company_named(self, data, **kwargs):
        if data["manager"] == "company" and not data.get("company_name"):
            raise ValidationError(N_("Name the property company."), "company_name")


class SiteManagementOut(StrictSchema):
    site_id = fields.Integer()
    community_id = fields.Integer()
    manager = fields.String(allow_none=True, metadata=label("未登记为空", "null: not recorded"))
    company_name = fields.String(allow_none=True)


class AgreementIn(StrictSchema):
    company_name = txt(200, required=True, min_length=1, metadata=label("物业公司", "property company"))
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
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata=label("协议覆盖的小区", "sites covered"),
    )

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(N_("Ends before it starts."), "ends_on")


class AgreementOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    company_name = fields.String()
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
    manager = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
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
    sites = fields.List(fields.Nested(CoverageSite))


def _site(site_id: int, write: bool) -> Site:
    site = readable(Site, site_id)  # gated by the core (site_id: Site in wuye_route_objects)
    if write:
        require_write(site.community_id)
    return site


def _management_out(site: Site) -> dict:
    row = db.session.scalar(select(SiteManagement).where(SiteManagement.site_id == site.id))
    return {
        "site_id": site.id,
        "community_id": site.community_id,
        "manager": row and row.manager,
        "company_name": row and row.company_name,
    }


def set_management(
    community_id: int, site_id: int, manager: str, company_name: str | None, keep_existing: bool = False
) -> None:
    row = db.session.scalar(select(SiteManagement).where(SiteManagement.site_id == site_id))
    if row is not None and keep_existing:
        return
    if row is None:
        row = SiteManagement(community_id=community_id, site_id=site_id)
        db.session.add(row)
    row.manager = manager
    row.company_name = company_name if manager == "company" else None


def _in_force(agreement: Agreement) -> bool:
    day = today()
    return agreement.starts_on <= day and (agreement.ends_on is None or agreement.ends_on >= day)


def _agreement_out(agreement: Agreement) -> Agreement:
    agreement.site_ids = list(
        db.session.scalars(
            select(AgreementSite.site_id)
            .where(AgreementSite.agreement_id == agreement.id)
            .order_by(AgreementSite.site_id)
        )
    )
    agreement.active = _in_force(agreement)
    return agreement


def _set_sites(agreement: Agreement, site_ids: list[int]) -> None:
    for i, site_id in enumerate(site_ids):
        check_site(agreement.community_id, site_id, f"site_ids.{i}")
    db.session.execute(delete(AgreementSite).where(AgreementSite.agreement_id == agreement.id))
    for site_id in sorted(set(site_ids)):
        db.session.add(AgreementSite(agreement_id=agreement.id, site_id=site_id))
        # a site under an agreement is managed by that company, unless recorded otherwise already
        set_management(agreement.community_id, site_id, "company", agreement.company_name, keep_existing=True)


def coverage(community_id: int) -> dict:
    sites = db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.id)).all()
    managed = {
        m.site_id: m
        for m in db.session.scalars(select(SiteManagement).where(SiteManagement.community_id == community_id))
    }
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
        m = managed.get(site.id)
        kind = getattr(site.kind, "value", site.kind)
        in_force = agreements.get(site.id, [])
        rows.append(
            {
                "site_id": site.id,
                "name": site.name,
                "kind": kind,
                "kind_zh": SITE_KIND_ZH.get(kind, kind),
                "manager": m and m.manager,
                "company_name": m and m.company_name,
                "agreement_ids": in_force,
                "covered": m is not None,
                "coordinated": bool(m and m.manager == "own_team") or bool(in_force),
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
        "sites": rows,
    }


def manage_site(site_id: int, data: dict) -> Site:
    """Record who manages the site (SiteManagementIn); 403 unless the caller may write in its
    community. The edge commits."""
    site = _site(site_id, write=True)
    set_management(site.community_id, site.id, data["manager"], data["company_name"])
    return site


def management_of(site: Site) -> dict:
    """Who manages the site, as the API answers it (SiteManagementOut)."""
    return _management_out(site)


def agreements_page(community_id: int, args: dict) -> dict:
    """A page of the community's agreements (AgreementQuery), each with its sites and `active`."""
    page = paginate(select(Agreement).where(Agreement.community_id == community_id), Agreement, args)
    page["items"] = [_agreement_out(a) for a in page["items"]]
    return page


def agreement_detail(agreement: Agreement) -> Agreement:
    """The agreement with `site_ids` and `active` (AgreementOut)."""
    return _agreement_out(agreement)


def record_agreement(community_id: int, data: dict) -> Agreement:
    """Record a co-building agreement (AgreementIn) as the caller: 403 unless they may write in
    the community, 422 naming a site of another community. The edge commits."""
    require_write(community_id)
    data = dict(data)
    site_ids = data.pop("site_ids")
    agreement = Agreement(community_id=community_id, **data)
    db.session.add(agreement)
    db.session.flush()
    _set_sites(agreement, site_ids)
    services.emit(NAME, "agreement_recorded", community_id, agreement.id, sites=len(set(site_ids)))
    return agreement


def change_agreement(agreement_id: int, data: dict) -> Agreement:
    """Replace an agreement's terms and sites (AgreementIn), locked; 403 unless the caller may
    write in its community. The edge commits."""
    agreement = writable(Agreement, agreement_id)
    data = dict(data)
    site_ids = data.pop("site_ids")
    for key, value in data.items():
        setattr(agreement, key, value)
    _set_sites(agreement, site_ids)
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
