"""Login, the caller's identity, and staff user management (tenant_admin)."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..api.access import current_identity, public, require_tenant_admin
from ..api.pagination import page_schema, paginate
from ..auth.models import StaffUser
from ..auth.passwords import hash_password
from ..common.schemas import partial
from ..errors import ErrorSchema
from ..extensions import db, limiter
from ..i18n import N_
from . import schemas as s
from .service import check_grants, create_user, login, set_grants

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 / Authentication")
users = Blueprint("users", __name__, url_prefix="/api/v1/users", description="工作人员 / Staff users")


def _login_key() -> str:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):  # any JSON may come in; the schema refuses what is not an object
        body = {}
    tenant, username = body.get("tenant"), body.get("username")
    return f"login:{tenant if isinstance(tenant, str) else '-'}:{username if isinstance(username, str) else '-'}"


def _failed(response) -> bool:
    return response.status_code == 401


def _per_user_limit() -> str:
    return current_app.config["WUYE"].login_limit_per_user


def _per_address_limit() -> str:
    return current_app.config["WUYE"].login_limit_per_address


@blp.route("/token", methods=["POST"])
@public
@limiter.limit(_per_user_limit, key_func=_login_key, deduct_when=_failed)
@limiter.limit(_per_address_limit, deduct_when=_failed)
@blp.arguments(s.TokenRequest)
@blp.response(200, s.TokenResponse)
@blp.alt_response(401, schema=ErrorSchema, description="用户名或密码错误 / wrong credentials")
@blp.alt_response(429, schema=ErrorSchema, description="失败次数过多 / too many failed attempts")
def token(data):
    """登录，换取访问令牌 / Log in and get a bearer token"""
    result = login(data["tenant"], data["username"], data["password"])
    if result is None:
        abort(401, message=N_("Wrong tenant, username or password."))
    return result


@blp.route("/me")
@blp.response(200, s.MeOut)
@blp.alt_response(401, schema=ErrorSchema)
def me():
    """当前用户 / Who am I"""
    return current_identity()


def _user_or_404(user_id: int) -> StaffUser:
    require_tenant_admin()
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _update_user(user: StaffUser, data: dict) -> None:
    if "roles" in data:
        set_grants(user, check_grants(data.pop("roles")))
    if "password" in data:
        user.password_hash = hash_password(data.pop("password"))
    for key, value in data.items():
        setattr(user, key, value)


@users.route("", endpoint="users_collection")
class Users(MethodView):
    @users.arguments(s.UserQuery, location="query")
    @users.response(200, page_schema(s.UserOut))
    @users.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """工作人员列表 / List staff users"""
        require_tenant_admin()
        stmt = select(StaffUser)
        if args.get("q"):
            stmt = stmt.where(StaffUser.username.contains(args["q"], autoescape=True))
        return paginate(stmt, StaffUser, args["page"], args["per_page"])

    @users.arguments(s.UserCreate)
    @users.response(201, s.UserOut)
    @users.alt_response(403, schema=ErrorSchema)
    @users.alt_response(409, schema=ErrorSchema, description="用户名已存在 / username taken")
    def post(self, data):
        """新建工作人员 / Create a staff user"""
        require_tenant_admin()
        user = create_user(data["username"], data["password"], data["roles"], data.get("display_name"))
        if "active" in data:
            user.active = data["active"]
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
        """修改工作人员（角色、停用、重置密码）/ Update a staff user"""
        user = _user_or_404(user_id)
        _update_user(user, data)
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
        user.active = False
        return None
