"""Schemas of login, users and their roles."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.pagination import PageArgs
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from ..i18n import N_

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.@-]+$", error=N_("Only letters, digits and . _ @ - are allowed."))


class TokenRequest(StrictSchema):
    tenant = Text(64, allow_none=True, load_default=None,
                  metadata={"description": "租户标识；平台管理员不填 / tenant slug; omit for a platform operator"})
    username = Text(64, min_length=1, required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenResponse(StrictSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "有效秒数 / seconds until expiry"})


def _grantable_roles(app) -> list[str]:
    """The roles a user may be granted in this app: the core's and the installed plugins'."""
    from ..auth.roles import TENANT_ROLES

    plugins = app.extensions["wuye_plugins"].plugins.values()
    return [*TENANT_ROLES, *(role.name for plugin in plugins for role in plugin.roles)]


class GrantSchema(StrictSchema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"wuye_enum": _grantable_roles})
    community_id = Id(allow_none=True, load_default=None,
                      metadata={"description": "空表示全租户（tenant_admin 只能为空）/ null: the whole tenant "
                                               "(always null for tenant_admin)"})


class UserOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String(allow_none=True)
    active = fields.Boolean()
    roles = fields.Function(lambda u: [{"role": g.role, "community_id": g.community_id} for g in u.grants])
    created_at = fields.DateTime()


class UserUpdate(StrictSchema):
    display_name = Text(100, allow_none=True)
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))
    roles = fields.List(fields.Nested(GrantSchema), validate=validate.Length(max=50))


class UserCreate(UserUpdate):
    username = Text(64, min_length=1, required=True, validate=[USERNAME])
    password = fields.String(load_only=True, required=True, validate=validate.Length(min=8, max=256))
    roles = fields.List(fields.Nested(GrantSchema), required=True, validate=validate.Length(min=1, max=50))


class UserQuery(PageArgs):
    q = Text(64)


class MeOut(StrictSchema):
    kind = fields.String()
    username = fields.String()
    tenant_id = fields.Integer(allow_none=True)
    roles = fields.Function(lambda i: [{"role": r, "community_id": c} for r, c in i.grants])
