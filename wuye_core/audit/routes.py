"""Reading the audit trail.

- `GET /api/v1/audit`: a tenant admin reads their tenant's trail (row-level security and the
  ORM's tenant scoping keep it to that tenant);
- `GET /api/v1/platform/audit`: a platform operator reads the platform's trail — operator logins,
  tenants created, renamed, activated or deactivated. Operators read no tenant data (README,
  roles), and a tenant's trail is its data (who of its staff did what, from which address): the
  API never shows it to them. Someone with the server itself reads it with `wuye audit list
  --tenant SLUG` (the command line already has the database), for an incident.

Newest first; filters: `action` (a prefix: `plugin.` finds every plugin action), `actor` (the
name of who acted), `target_type`/`target_id`, `from`/`to` (days in Beijing time, included).
Nothing here changes a row: the trail is append-only, in the database too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..api.access import require_operator, require_tenant_admin
from ..api.pagination import PageArgs, Sort, page_schema, paginate
from ..common.clock import LOCAL_TZ
from ..common.fields import Text
from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from ..i18n import N_, current_locale
from . import actions
from .models import AuditEvent, PlatformAuditEvent

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计日志 / Audit trail")

DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
YEARS_20XX = "^20[0-9]{2}-"  # what DATES allows, in the document (as the KPI periods state it)


class AuditQuery(PageArgs):
    action = Text(64, metadata={"description": "操作代码前缀，如 `plugin.` / an action code or its prefix"})
    actor = Text(100, metadata={"description": "操作人用户名 / who acted (username)"})
    target_type = Text(40, metadata={"description": "对象类型，如 `plugin` / the kind of object acted on"})
    target_id = Text(64, metadata={"description": "对象标识 / the object's id"})
    first = fields.Date(data_key="from", validate=DATES,
                        metadata={"pattern": YEARS_20XX,
                                  "description": "首日（北京时间，含）/ first day, Beijing time, included"})
    last = fields.Date(data_key="to", validate=DATES,
                       metadata={"pattern": YEARS_20XX,
                                 "description": "末日（北京时间，含）/ last day, Beijing time, included"})

    sort = Sort("id", "at")

    @validates_schema
    def _valid_period(self, data, **kwargs):
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")


class AuditEventOut(StrictSchema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_kind = fields.String(metadata={"description": "staff | operator | system | anonymous"})
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "操作代码 / the action's code"})
    action_title = fields.String(metadata={"description": "操作名称（按读者语言）/ its title, in the reader's language"})
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    address = fields.String(allow_none=True, metadata={"description": "客户端 IP / the client's address"})
    details = fields.Dict(allow_none=True)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _page(model, args) -> dict:
    stmt = select(model)
    if args.get("action"):
        stmt = stmt.where(model.action.startswith(args["action"], autoescape=True))
    if args.get("actor"):
        stmt = stmt.where(model.actor_name == args["actor"])
    if args.get("target_type"):
        stmt = stmt.where(model.target_type == args["target_type"])
    if args.get("target_id"):
        stmt = stmt.where(model.target_id == args["target_id"])
    if args.get("first"):
        stmt = stmt.where(model.at >= _start(args["first"]))
    if args.get("last"):
        stmt = stmt.where(model.at < _start(args["last"] + timedelta(days=1)))
    page = paginate(stmt, model, args)
    locale = current_locale()
    page["items"] = [{**{c: getattr(row, c) for c in _COLUMNS}, "action_title": actions.title(row.action, locale)}
                     for row in page["items"]]
    return page


_COLUMNS = ("id", "at", "actor_kind", "actor_id", "actor_name", "action", "target_type", "target_id", "address",
            "details")


@blp.route("/audit", endpoint="tenant_audit")
class TenantAudit(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, page_schema(AuditEventOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """本租户的审计日志（租户管理员）/ The tenant's audit trail, newest first (tenant admins)"""
        require_tenant_admin()
        return _page(AuditEvent, args)


@blp.route("/platform/audit", endpoint="platform_audit")
class PlatformAudit(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, page_schema(AuditEventOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """平台审计日志（平台管理员）/ The platform's audit trail, newest first (platform operators)"""
        require_operator()
        return _page(PlatformAuditEvent, args)
