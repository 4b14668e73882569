"""Users and roles (tenant admins; anyone else gets the 403 page): list the tenant's staff,
create a user, change their grants and team, deactivate or reactivate them, set a new password
(temporary: the user chooses their own at the next sign-in). Everything through the API's schemas
(staff/schemas.py) and its service (staff/service.py: create_user, update_user), so the same checks
and the same audit records as POST and PATCH /api/v1/users."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import select

from ..api.access import require_tenant_admin
from ..api.pagination import paginate
from ..auth.models import StaffUser
from ..auth.roles import COMMUNITY_STAFF, READONLY, TENANT_ADMIN, WORKER, grantable_roles
from ..common.schemas import partial
from ..extensions import db
from ..host.dispatch import host
from ..households.models import Community
from ..staff import schemas as s
from ..staff.service import create_user, staff_user, update_user, users_matching
from .blueprint import bp
from .forms import GENERAL, console_form, domain_errors

CORE_ROLES = {
    TENANT_ADMIN: lazy_gettext("Tenant administrator"),
    COMMUNITY_STAFF: lazy_gettext("Community staff"),
    READONLY: lazy_gettext("Read only"),
    WORKER: lazy_gettext("Repair worker"),
}
BLANK_GRANT_ROWS = 2  # empty rows under a user's grants, to add some
_GRANT_KEY = re.compile(r"^roles\.(\d+)\.role$")


def role_choices() -> list[tuple[str, str]]:
    """Every role one may grant: the core's, then the installed plugins' (their titles)."""
    english = str(get_locale()) == "en"
    titles = {role.name: (role.title_en if english else role.title_zh)
              for plugin in host().plugins.values() for role in plugin.roles}
    return [(name, str(CORE_ROLES.get(name) or titles.get(name) or name)) for name in grantable_roles()]


def _communities() -> list[tuple[int, str]]:
    return [(cid, name) for cid, name in db.session.execute(select(Community.id, Community.name).order_by(Community.id))]


def _text(name: str) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value or None


def _grants_sent() -> list[dict]:
    """The grant rows of the form, in order, empty rows left out (so an error's index is the row's
    place among those sent, and the page is drawn again from exactly these)."""
    rows = sorted(int(m.group(1)) for key in request.form if (m := _GRANT_KEY.match(key)))
    grants = []
    for index in rows:
        role = (request.form.get(f"roles.{index}.role") or "").strip()
        if not role:
            continue
        community = (request.form.get(f"roles.{index}.community_id") or "").strip()
        grants.append({"role": role, "community_id": int(community) if community.isdigit() else community or None})
    return grants


def _grant_rows(grants: list[dict]) -> list[dict]:
    return list(grants) + [{"role": "", "community_id": None}] * BLANK_GRANT_ROWS


def _refused(exc: Exception) -> dict:
    errors = domain_errors(exc)
    if errors is None:
        raise exc
    db.session.rollback()  # nothing of a refused change is kept (the 422 would roll back too)
    return errors


@bp.route("/users")
def users():
    """工作人员列表：搜索用户名，分页。"""
    require_tenant_admin()
    args, errors = console_form(s.UserQuery(), {k: v for k, v in request.args.items() if k in ("q", "page")})
    if errors:  # a hand-edited address: the first page of everyone
        args = s.UserQuery().load({})
    page = paginate(users_matching(args.get("q")), StaffUser, args)
    names = dict(_communities())
    roles = dict(role_choices())
    return render_template("console/users/list.html", current="users", page=page, q=args.get("q") or "",
                           community_names=names, role_names=roles)


@bp.route("/users/new", methods=["GET", "POST"])
def users_new():
    """新建工作人员：用户名、姓名、临时密码、班组、各社区的角色。"""
    admin = require_tenant_admin()
    errors: dict = {}
    grants = [{"role": COMMUNITY_STAFF, "community_id": None}]
    values = {}
    if request.method == "POST":
        grants = _grants_sent()
        values = {key: value for key in ("username", "display_name", "team", "password")
                  if (value := _text(key)) is not None}
        data, errors = console_form(s.UserCreate(), {**values, "roles": grants})
        if not errors:
            try:
                user = create_user(data["username"], data["password"], data["roles"], data.get("display_name"),
                                   temporary=True, created_by=admin, team=data.get("team"))
            except Exception as exc:
                errors = _refused(exc)
            else:
                flash(_("User %(username)s is created. Their password is temporary: they choose their own at "
                        "the first sign-in.", username=user.username), "success")
                return redirect(url_for("console.users_edit", user_id=user.id))
    values.pop("password", None)  # never sent back to the page
    page = render_template("console/users/new.html", current="users", errors=errors, values=values,
                           grants=_grant_rows(grants), roles=role_choices(), communities=_communities())
    return (page, 422) if errors else page


def _user_or_404(user_id: int) -> StaffUser:
    require_tenant_admin()
    return staff_user(user_id)


def _edit_page(user: StaffUser, errors: dict | None = None, grants: list[dict] | None = None, form: str = ""):
    if grants is None:
        grants = [{"role": g.role, "community_id": g.community_id} for g in user.grants]
    page = render_template("console/users/edit.html", current="users", user=user, errors=errors or {}, form=form,
                           grants=_grant_rows(grants), roles=role_choices(), communities=_communities())
    return (page, 422) if errors else page


@bp.route("/users/<int:user_id>")
def users_edit(user_id):
    """一位工作人员：角色、班组、停用/启用、重置密码。"""
    return _edit_page(_user_or_404(user_id))


# what each form of the user's page sends, as PATCH /api/v1/users/<id> takes it
def _profile_values() -> dict:
    return {"display_name": _text("display_name"), "team": _text("team")}


def _roles_values() -> dict:
    return {"roles": _grants_sent()}


def _password_values() -> dict:
    return {"password": request.form.get("password") or ""}


def _active_values() -> dict:
    return {"active": request.form.get("active") == "1"}


FORMS = {"profile": _profile_values, "roles": _roles_values, "password": _password_values, "active": _active_values}
DONE = {
    "profile": lazy_gettext("The name and team are saved."),
    "roles": lazy_gettext("The roles are saved."),
    "password": lazy_gettext("The new password is set. It is temporary: the user chooses their own at the next sign-in."),
    "active": lazy_gettext("The user's state is saved."),
}


@bp.route("/users/<int:user_id>/<any(profile, roles, password, active):form>", methods=["POST"])
def users_update(user_id, form):
    """修改一位工作人员（与 PATCH /api/v1/users/<id> 相同的校验与审计）。"""
    user = _user_or_404(user_id)
    admin = require_tenant_admin()
    values = FORMS[form]()
    data, errors = console_form(partial(s.UserUpdate), values)
    if not errors:
        try:
            update_user(user, data, admin)
            db.session.flush()
        except Exception as exc:
            errors = _refused(exc)
            user = db.session.get(StaffUser, user_id)
    if errors:
        if form == "active" and GENERAL not in errors:
            errors = {GENERAL: [m for messages in errors.values() for m in messages]}
        return _edit_page(user, errors, values.get("roles") if form == "roles" else None, form)
    flash(str(DONE[form]), "success")
    return redirect(url_for("console.users_edit", user_id=user.id))
