"""Schemas of login, users and their roles."""

from __future__ import annotations

import unicodedata

from marshmallow import fields, validate

from ..api.pagination import PageArgs, Sort
from ..auth.policy import MIN_LENGTH
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from ..i18n import N_

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.@-]+$", error=N_("Only letters, digits and . _ @ - are allowed."))


class LoginText(Text):
    """A login name as the lookup compares it, and as the per-account login limit counts it
    (routes.py runs this schema for the limit's key): Unicode NFKC (fullwidth ｖｉｅｗｅｒ →
    viewer, the ideographic space U+3000 → a space), then stripped of whitespace. Usernames and
    slugs are ASCII (USERNAME, tenants' SLUG), so every stored name is its own normal form; the
    comparison is then exact, case included."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return unicodedata.normalize("NFKC", text).strip()


class TokenRequest(StrictSchema):
    tenant = LoginText(64, allow_none=True, load_default=None,
                       metadata={"description": "租户标识；平台管理员不填 / tenant slug; omit for a platform operator"})
    username = LoginText(64, min_length=1, required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class PasswordReset(StrictSchema):
    by = fields.String(allow_none=True, metadata={"description": "设置密码的管理员 / the administrator who set it"})
    at = fields.DateTime(allow_none=True)


class BearerToken(StrictSchema):
    """A token as every sign-in answers it (staff, operators, residents)."""

    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "有效秒数 / seconds until expiry"})


class TokenResponse(BearerToken):
    password_change_required = fields.Boolean(metadata={
        "description": "密码由管理员设置，须先修改（POST /api/v1/auth/password），此前令牌只能改密码 / the password was "
                       "set by an administrator: the token can only change it (POST /api/v1/auth/password)"})
    password_reset = fields.Nested(PasswordReset, metadata={
        "description": "须改密码时：谁、何时设置的 / when a change is required: who set it, when"})


class PasswordChange(StrictSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256),
                                 metadata={"minLength": MIN_LENGTH,
                                           "description": "至少 10 个字符，不能是常见密码或用户名 / at least 10 "
                                                          "characters, not a common password, not the username"})


def _grantable_roles(app) -> list[str]:
    """The roles a user may be granted in this app: the core's and the installed plugins'."""
    from ..auth.roles import grantable_roles

    with app.app_context():
        return grantable_roles()


ROLES = ("tenant_admin 租户管理员（全租户）；community_staff 社区工作人员（读写本社区登记簿和工单）；readonly 只读；"
         "worker 维修工（只看、只处理派给自己或本班组的工单：到场、办结、上传照片）；另加已安装插件的角色 / "
         "tenant_admin (tenant-wide); community_staff (reads and writes the community's register and tickets); "
         "readonly; worker, a repair worker (only the tickets dispatched to them or their team: arrive, "
         "resolve, upload photos); and the roles of the installed plugins")
TEAM = ("班组（如“水电班”）：派给此班组的工单（工单的 team 与之相同）也是此人的，维修工据此看到工单 / the team "
        "(e.g. 水电班): tickets dispatched to it (the ticket's team, the same text) are this user's too; "
        "what a worker sees")


class GrantSchema(StrictSchema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"wuye_enum": _grantable_roles, "description": ROLES})
    community_id = Id(allow_none=True, load_default=None,
                      metadata={"description": "空表示全租户（tenant_admin 只能为空）/ null: the whole tenant "
                                               "(always null for tenant_admin)"})


class UserOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String(allow_none=True)
    team = fields.String(allow_none=True, metadata={"description": TEAM})
    active = fields.Boolean()
    roles = fields.Function(lambda u: [{"role": g.role, "community_id": g.community_id} for g in u.grants])
    created_at = fields.DateTime()


class UserUpdate(StrictSchema):
    display_name = Text(100, allow_none=True)
    team = Text(50, min_length=1, allow_none=True, metadata={"description": TEAM})
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=256), metadata={
        "minLength": MIN_LENGTH,
        "description": "管理员设置的密码是临时的：用户下次登录须修改 / a password set by an administrator is temporary: "
                       "the user must change it at next login. 至少 10 个字符，不能是常见密码或用户名 / at least 10 "
                       "characters, not a common password, not the username"})
    roles = fields.List(fields.Nested(GrantSchema), validate=validate.Length(max=50))


class UserCreate(UserUpdate):
    username = Text(64, min_length=1, required=True, validate=[USERNAME])
    password = fields.String(load_only=True, required=True, validate=validate.Length(min=1, max=256),
                             metadata=UserUpdate._declared_fields["password"].metadata)
    roles = fields.List(fields.Nested(GrantSchema), required=True, validate=validate.Length(min=1, max=50))


class UserQuery(PageArgs):
    q = Text(64)
    sort = Sort("id", "username", "created_at")


class MeOut(StrictSchema):
    kind = fields.String()
    username = fields.String()
    tenant_id = fields.Integer(allow_none=True)
    roles = fields.List(fields.Nested(GrantSchema))
    team = fields.String(allow_none=True, metadata={"description": TEAM})
    password_change_required = fields.Boolean()
    password_reset = fields.Nested(PasswordReset, allow_none=True, metadata={
        "description": "密码由管理员设置时：谁、何时 / when an administrator set the password: who, when"})
