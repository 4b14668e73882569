"""Sign-in, sign-out and changing one's password at the console: the login service, its audit
and its throttling are the API's (staff/service.py, staff/login_limits.py: one budget per
account and per address whichever door is knocked on)."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for

from ..api.access import public
from ..errors import DomainError
from ..extensions import limiter
from ..i18n import N_, translate_message
from ..staff import login_limits
from ..staff.schemas import PasswordChange, TokenRequest
from ..staff.service import change_own_password, login, logout
from .blueprint import bp
from .door import PREFIX, TOKEN, safe_next
from .forms import console_form, domain_errors

WRONG_CREDENTIALS = N_("Wrong tenant, username or password.")


def _form_login_key() -> str:
    form = request.form
    return login_limits.account_key({"tenant": form.get("tenant") or None, "username": form.get("username", ""),
                                     "password": form.get("password", "")})


def _signed_in(token: str) -> None:
    session.clear()  # a fresh session (and CSRF secret) for the new user: no fixation
    session[TOKEN] = token
    session.permanent = True


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.shared_limit(login_limits.per_user_limit, login_limits.ACCOUNT_SCOPE, key_func=_form_login_key, deduct_when=login_limits.failed,
               exempt_when=lambda: request.method != "POST")
@limiter.shared_limit(login_limits.per_address_limit, login_limits.ADDRESS_SCOPE, deduct_when=login_limits.failed,
               exempt_when=lambda: request.method != "POST")
def sign_in():
    """登录页：租户标识、用户名、密码（平台管理员不填租户）。"""
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("console/sign_in.html", next=next_page, errors={}, values={})
    data, errors = console_form(TokenRequest(), {"tenant": request.form.get("tenant") or None,
                                                 "username": request.form.get("username", ""),
                                                 "password": request.form.get("password", "")})
    values = {"tenant": request.form.get("tenant", ""), "username": request.form.get("username", "")}
    if errors:
        return render_template("console/sign_in.html", next=next_page, errors=errors, values=values), 422
    result = login(data["tenant"], data["username"], data["password"])
    if result is None:
        return render_template("console/sign_in.html", next=next_page, errors={}, values=values,
                               message=translate_message(WRONG_CREDENTIALS)), 401
    _signed_in(result["access_token"])
    if result["password_change_required"]:
        return redirect(url_for("console.password"))
    return redirect(next_page or url_for("console.home"))


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """退出登录（此账号的所有设备）：与 API 的 POST /auth/logout 相同。"""
    logout(g.identity)
    session.clear()
    return redirect(url_for("console.sign_in"))


def _wrong_current_password(response) -> bool:
    return bool(g.get("wrong_current_password"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.shared_limit(login_limits.per_user_limit, login_limits.PASSWORD_SCOPE, key_func=login_limits.password_key,
                      deduct_when=_wrong_current_password, exempt_when=lambda: request.method != "POST")
def password():
    """修改自己的密码（管理员设置的密码须先修改）。"""
    if request.method == "GET":
        return render_template("console/password.html", errors={})
    data, errors = console_form(PasswordChange())
    if not errors:
        result, errors = _attempt_change(data)
        if result is not None:
            _signed_in(result["access_token"])  # every other session of the account has ended
            return redirect(url_for("console.home", changed=1))
    return render_template("console/password.html", errors=errors), 422


def _attempt_change(data):
    try:
        return change_own_password(g.identity, data["current_password"], data["new_password"]), {}
    except DomainError as exc:  # a refused password: shown next to its field
        errors = domain_errors(exc)
        g.wrong_current_password = "current_password" in errors  # a guess: counted (the API's budget)
        return None, errors


def root():
    """The site's address leads to the console (its sign-in page when nobody is signed in)."""
    return redirect(PREFIX + "/")


root._wuye_public = True


def favicon():
    """Browsers ask for /favicon.ico on every site (the API's docs page too)."""

    return bp.send_static_file("favicon.svg")


favicon._wuye_public = True
