"""Login, the caller's identity, and staff user management (tenant_admin)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..api.access import current_identity, not_replayed, public, require_tenant_admin
from ..api.pagination import page_schema, paginate
from ..auth.models import StaffUser
from ..common.schemas import partial
from ..errors import ErrorSchema
from ..extensions import db, limiter
from ..i18n import N_
from . import login_limits
from . import schemas as s
from .service import (
    account_of,
    change_own_password,
    create_user,
    login,
    logout,
    password_reset_info,
    set_active,
    staff_user,
    update_user,
    users_matching,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 / Authentication")
users = Blueprint("users", __name__, url_prefix="/api/v1/users", description="工作人员 / Staff users")


def _login_key() -> str:
    return login_limits.account_key(request.get_json(silent=True))


@blp.route("/token", methods=["POST"])
@public
@limiter.shared_limit(login_limits.per_user_limit, login_limits.ACCOUNT_SCOPE, key_func=_login_key, deduct_when=login_limits.failed)
@limiter.shared_limit(login_limits.per_address_limit, login_limits.ADDRESS_SCOPE, deduct_when=login_limits.failed)
@blp.arguments(s.TokenRequest)
@blp.response(200, s.TokenResponse)
@blp.alt_response(401, schema=ErrorSchema, description="用户名或密码错误 / wrong credentials")
@blp.alt_response(429, schema=ErrorSchema, description="失败次数过多 / too many failed attempts")
def token(data):
    """登录，换取访问令牌 / Log in and get a bearer token

    密码由管理员设置（新建或重置）时，`password_change_required` 为 true：此令牌只能调用
    `POST /auth/password`、`GET /auth/me`、`POST /auth/logout`，其余接口返回 403
    (reason `password_change_required`)。/ When an administrator set the password (creation or
    reset), `password_change_required` is true and the token opens only those three endpoints."""
    result = login(data["tenant"], data["username"], data["password"])
    if result is None:
        abort(401, message=N_("Wrong tenant, username or password."))
    return result


@blp.route("/me")
@blp.response(200, s.MeOut)
@blp.alt_response(401, schema=ErrorSchema)
def me():
    """当前用户 / Who am I"""
    identity = current_identity()
    out = {"kind": identity.kind, "username": identity.username, "tenant_id": identity.tenant_id,
           "roles": [{"role": r, "community_id": c} for r, c in identity.grants], "team": identity.team,
           "password_change_required": identity.password_change}
    if identity.password_change:  # read only then: /me stays one cached lookup
        account = account_of(identity)
        out["password_reset"] = password_reset_info(account) if account is not None else None
    return out


def _wrong_current_password(response) -> bool:
    """Counts a guess at the current password (a stolen token must not make a password oracle);
    a new password the policy refuses does not count."""
    return response.status_code == 422 and '"current_password"' in response.get_data(as_text=True)


@blp.route("/password", methods=["POST"], endpoint="change_password")
@not_replayed  # the answer is a fresh token: never kept with an Idempotency-Key
@limiter.shared_limit(login_limits.per_user_limit, login_limits.PASSWORD_SCOPE, key_func=login_limits.password_key,
                      deduct_when=_wrong_current_password)
@blp.arguments(s.PasswordChange)
@blp.response(200, s.TokenResponse)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="当前密码错误或新密码不符合要求 / wrong current password, "
                                                       "or the new one is refused by the policy")
@blp.alt_response(429, schema=ErrorSchema, description="失败次数过多 / too many failed attempts")
def change_password(data):
    """修改自己的密码 / Change your own password

    需要当前密码；新密码至少 10 个字符，不能是常见密码或用户名，且须与当前密码不同。成功后此前签发的所有令牌
    失效（所有设备），返回新令牌。/ Needs the current password; the new one has at least 10 characters, is not
    a common password nor the username, and differs from the current one. Every token issued before
    ends (all devices); the answer holds a fresh token."""
    return change_own_password(current_identity(), data["current_password"], data["new_password"])


@blp.route("/logout", methods=["POST"], endpoint="logout")
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
def logout_view():
    """退出登录 / Log out (every device)

    使此账号此前签发的全部令牌失效（所有设备都需重新登录）。/ Ends every token issued to this account so far:
    every device must log in again (one version number per account, checked with the cached identity
    at no extra cost; a per-token deny list would need a lookup on every request)."""
    logout(current_identity())
    return None


def _user_or_404(user_id: int) -> StaffUser:
    require_tenant_admin()
    return staff_user(user_id)


@users.route("", endpoint="users_collection")
class Users(MethodView):
    @users.arguments(s.UserQuery, location="query")
    @users.response(200, page_schema(s.UserOut))
    @users.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """工作人员列表（默认最新在前）/ List staff users, newest first"""
        require_tenant_admin()
        return paginate(users_matching(args.get("q")), StaffUser, args)

    @users.arguments(s.UserCreate)
    @users.response(201, s.UserOut)
    @users.alt_response(403, schema=ErrorSchema)
    @users.alt_response(409, schema=ErrorSchema, description="用户名已存在 / username taken")
    def post(self, data):
        """新建工作人员 / Create a staff user"""
        admin = require_tenant_admin()
        user = create_user(data["username"], data["password"], data["roles"], data.get("display_name"),
                           temporary=True, created_by=admin, team=data.get("team"))
        if data.get("active") is False:
            user.active = False
        db.session.flush()
        return user


@users.route("/<int:user_id>", endpoint="users_item")
class UserItem(MethodView):
    @users.response(200, s.UserOut)
    @users.alt_response(404, schema=ErrorSchema)
    def get(self, user_id):
        """查看工作人员 / Read a staff user"""
        return _user_or_404(user_id)

    @users.arguments(partial(s.UserUpdate))
    @users.response(200, s.UserOut)
    @users.alt_response(404, schema=ErrorSchema)
    def patch(self, data, user_id):
        """修改工作人员（角色、停用、重置密码）/ Update a staff user

        管理员设置的密码是临时的：用户下次登录须先改密码，并收到通知；重置、停用、启用和撤销角色都会使该用户
        此前的令牌失效，并记入审计。/ A password set here is temporary: the user must change it at next
        login and is notified; a reset, deactivation, reactivation or a revoked role ends the user's
        tokens, and each is audited."""
        user = _user_or_404(user_id)
        update_user(user, data, current_identity())
        db.session.flush()
        return user

    @users.response(204)
    @users.alt_response(404, schema=ErrorSchema)
    @users.doc(deprecated=True)
    def delete(self, user_id):
        """停用工作人员（保留记录）/ Deactivate a staff user (the record is kept)

        已弃用：请用 `PATCH {"active": false}`。DELETE 只停用，不删除：用户仍可读取（`active` 为
        false），可用 PATCH 重新启用。/ Deprecated: use `PATCH {"active": false}`. DELETE only
        deactivates, it deletes nothing: the user stays readable (`active` false) and can be
        re-activated with PATCH."""
        user = _user_or_404(user_id)
        if user.id == current_identity().user_id:
            abort(409, message=N_("You cannot deactivate yourself."))
        set_active(user, False)
        return None
