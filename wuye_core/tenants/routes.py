"""Tenant management for platform operators (platform_admin)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..api.access import require_operator
from ..api.pagination import PageArgs, Sort, page_schema, paginate
from ..auth.policy import MIN_LENGTH
from ..common.fields import Text
from ..common.schemas import StrictSchema, partial
from ..errors import ErrorSchema
from ..extensions import db
from ..i18n import N_
from ..tenancy.models import Tenant, TenantKind
from .service import create_tenant, every_tenant, update_tenant

blp = Blueprint("tenants", __name__, url_prefix="/api/v1/tenants", description="租户（平台管理）/ Tenants")

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]*$", error=N_("Lowercase letters, digits and '-' only."))


class FirstAdmin(StrictSchema):
    username = Text(64, min_length=1, required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256), metadata={
        "minLength": MIN_LENGTH,
        "description": "临时密码：首次登录须修改；至少 10 个字符，不能是常见密码或用户名 / temporary: to be changed at "
                       "first login; at least 10 characters, not a common password, not the username"})


class TenantOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String()
    name = fields.String()
    kind = fields.Enum(TenantKind, by_value=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class TenantUpdate(StrictSchema):
    name = Text(200, min_length=1)
    active = fields.Boolean()


class TenantCreate(StrictSchema):
    slug = Text(64, min_length=2, required=True, validate=[SLUG])
    name = Text(200, min_length=1, required=True)
    kind = fields.Enum(TenantKind, by_value=True, required=True)
    admin = fields.Nested(FirstAdmin, metadata={"description": "首个租户管理员 / the first tenant_admin"})


class TenantQuery(PageArgs):
    sort = Sort("id", "slug", "name", "created_at")


@blp.route("", endpoint="tenants_collection")
class Tenants(MethodView):
    @blp.arguments(TenantQuery, location="query")
    @blp.response(200, page_schema(TenantOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """租户列表（默认最新在前）/ List tenants, newest first"""
        require_operator()
        return paginate(every_tenant(), Tenant, args)

    @blp.arguments(TenantCreate)
    @blp.response(201, TenantOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="标识已存在 / slug taken")
    def post(self, data):
        """新建租户（可同时建首个管理员）/ Create a tenant, optionally with its first admin"""
        require_operator()
        admin = data.get("admin")
        return create_tenant(data["slug"], data["name"], data["kind"],
                             admin_username=admin and admin["username"], admin_password=admin and admin["password"],
                             admin_password_temporary=True)


@blp.route("/<int:tenant_id>", endpoint="tenants_item")
class TenantItem(MethodView):
    @blp.response(200, TenantOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, tenant_id):
        """查看租户 / Read a tenant"""
        require_operator()
        return db.get_or_404(Tenant, tenant_id)

    @blp.arguments(partial(TenantUpdate))
    @blp.response(200, TenantOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, tenant_id):
        """修改租户（改名、停用）/ Rename or deactivate a tenant"""
        require_operator()
        return update_tenant(db.get_or_404(Tenant, tenant_id), data)
