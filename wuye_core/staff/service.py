"""Creating staff users and platform operators, and checking credentials (used by the API and the
CLI alike). Refusals are domain errors; the request or the command commits."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, has_request_context
from sqlalchemy import select

from ..audit import record, record_now
from ..auth.models import PlatformOperator, RoleGrant, StaffUser
from ..auth.notices import notify_account
from ..auth.passwords import hash_password, needs_rehash, verify_password
from ..auth.policy import password_problem
from ..auth.roles import TENANT_ADMIN, Identity, grantable_roles, role_permissions
from ..auth.tokens import issue_token
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..households.models import Community
from ..i18n import N_
from ..tenancy import Tenant, enter_tenant


class GrantError(Invalid):
    """A role grant names an unknown role or a community the tenant does not have (422, on the
    grant's field)."""


def _username_taken() -> Conflict:
    return Conflict(N_("This username is taken."), {"json": {"username": [N_("Already exists.")]}})


def check_grants(grants: list[dict]) -> list[tuple[str, int | None]]:
    """Validate role grants within the current tenant; returns (role, community_id) pairs."""
    checked = []
    for index, grant in enumerate(grants):
        role, community_id = grant["role"], grant.get("community_id")
        if role_permissions(role) is None:
            raise GrantError(f"roles.{index}.role", unknown_role())
        if role == TENANT_ADMIN and community_id is not None:
            raise GrantError(f"roles.{index}.community_id", N_("tenant_admin is always tenant-wide."))
        if community_id is not None and db.session.get(Community, community_id) is None:
            raise GrantError(f"roles.{index}.community_id", N_("Does not exist."))
        if (role, community_id) not in checked:
            checked.append((role, community_id))
    return checked


def unknown_role():
    """The refusal of a role nobody knows, listing the roles one may grant: the core's and those of
    the installed plugins."""
    return N_("Unknown role. The roles are: %(roles)s.", roles=", ".join(grantable_roles()))


def _grant_list(grants) -> list[dict]:
    return [{"role": role, "community_id": cid} for role, cid in grants]


def set_grants(user: StaffUser, grants: list[tuple[str, int | None]]) -> None:
    """Replace the user's grants. Revoking any grant ends the user's tokens (adding does not:
    a token holds no grants, the identity re-reads them) and is audited with before/after."""
    before = [(g.role, g.community_id) for g in user.grants]
    if before == list(grants):
        return
    # A grant kept is the same row: replaced by a new one, the insert would come before the delete
    # and hit the unique (tenant, user, role, community) at flush: a 409 for an unchanged grant.
    kept = {(g.role, g.community_id): g for g in user.grants}
    user.grants = [kept.get((role, cid)) or RoleGrant(role=role, community_id=cid) for role, cid in grants]
    if user.id is None:  # a new user: user.created says it all
        return
    if any(grant not in grants for grant in before):
        user.token_version += 1
    record("user.roles_changed", target_type="staff_user", target_id=user.id,
           details={"username": user.username, "before": _grant_list(before), "after": _grant_list(grants)})


def set_team(user: StaffUser, team: str | None) -> None:
    """The user's team (班组): a worker sees the tickets dispatched to it. Audited with
    before/after. Takes effect at the user's next request (the identity re-reads it: at once in
    this process, within `auth_cache_seconds` in the others); their tokens stay valid."""
    if user.team == team:
        return
    before, user.team = user.team, team
    if user.id is None:
        return
    record("user.team_changed", target_type="staff_user", target_id=user.id,
           details={"username": user.username, "before": before, "after": team})


def check_password(password: str, username: str | None, field: str = "password") -> None:
    """The password policy (auth/policy.py): Invalid on `field` with the reason."""
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(field, problem)


def _acting_name() -> str:
    """Who is acting: the caller's username in a request, else "system" (a command, a job)."""
    identity = getattr(g, "identity", None) if has_request_context() else None
    return identity.username if identity is not None else "system"


def _now() -> datetime:
    return datetime.now(UTC)


def set_password(account: StaffUser | PlatformOperator, password: str, *, set_by: str | None = None) -> None:
    """A new password for `account`; every token issued before ends. `set_by`: the name of the
    administrator who chose it for the account (then the holder must change it at next login),
    None when the holder chose it."""
    account.password_hash = hash_password(password)
    account.token_version += 1
    account.must_change_password = set_by is not None
    account.password_reset_by = set_by[:100] if set_by else None
    account.password_changed_at = _now()


def set_active(user: StaffUser | PlatformOperator, active: bool) -> None:
    """Activate or deactivate; either ends the tokens issued before (a token from before a
    deactivation does not come back with the account). Audited."""
    if user.active == active:
        return
    user.active = active
    user.token_version += 1
    record(f"user.{'activated' if active else 'deactivated'}", target_type=_target_type(user),
           target_id=user.id, details={"username": user.username})


def _target_type(account) -> str:
    return "staff_user" if isinstance(account, StaffUser) else "operator"


# The notice to a user whose password an administrator set: stored as a message, read in their language.
PASSWORD_RESET_NOTICE = N_("Your password was reset by the administrator %(by)s at %(when)s; choose a new one when "
                           "you log in. If you did not ask for this, tell your administrator.")


def reset_password(user: StaffUser, password: str, admin: Identity | None, field: str = "password") -> None:
    """An administrator sets `user`'s password: temporary (to be changed at next login), the
    user's tokens end, the user is notified, the reset is audited."""
    check_password(password, user.username, field)
    by = admin.username if admin is not None else _acting_name()
    set_password(user, password, set_by=by)
    record("user.password_reset", target_type="staff_user", target_id=user.id, details={"username": user.username})
    when = user.password_changed_at.strftime("%Y-%m-%d %H:%M UTC")
    notify_account(user.id, "account.password_reset", N_(PASSWORD_RESET_NOTICE, by=by, when=when))


def users_matching(q: str | None):
    """The tenant's staff users whose username contains `q` (all without one): a statement to page."""
    stmt = select(StaffUser)
    if q:
        stmt = stmt.where(StaffUser.username.contains(q, autoescape=True))
    return stmt


def update_user(user: StaffUser, data: dict, admin: Identity) -> None:
    """An administrator's change of a staff user (PATCH /api/v1/users/<id>, the console's user
    page): grants, team, a password reset, activation, the display name; each through its own
    function above (checked, audited). Deactivating oneself is a Conflict."""
    data = dict(data)
    if "roles" in data:
        set_grants(user, check_grants(data.pop("roles")))
    if "team" in data:
        set_team(user, data.pop("team"))
    if "password" in data:
        reset_password(user, data.pop("password"), admin)
    if "active" in data:
        active = data.pop("active")
        if not active and user.id == admin.user_id:
            raise Conflict(CANNOT_DEACTIVATE_SELF)
        set_active(user, active)
    for key, value in data.items():
        setattr(user, key, value)


CANNOT_DEACTIVATE_SELF = N_("You cannot deactivate yourself.")


def create_user(username: str, password: str, grants: list[dict], display_name: str | None = None, *,
                temporary: bool = False, created_by: Identity | None = None, field: str = "password",
                team: str | None = None) -> StaffUser:
    """A staff user of the current tenant with these grants; a taken username is a Conflict, a
    password the policy refuses is Invalid on `field`. `temporary`: the password was chosen by an
    administrator (the API), so the user must change it at first login. Audited."""
    check_password(password, username, field)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise _username_taken()
    user = StaffUser(username=username, password_hash=hash_password(password), display_name=display_name,
                     team=team, token_version=0, password_changed_at=_now())
    if temporary:
        user.must_change_password = True
        user.password_reset_by = (created_by.username if created_by else _acting_name())[:100]
    set_grants(user, check_grants(grants))
    db.session.add(user)
    db.session.flush()
    record("user.created", target_type="staff_user", target_id=user.id,
           details={"username": username, "roles": _grant_list((g.role, g.community_id) for g in user.grants),
                    "temporary_password": temporary})
    return user


def grants_by_code(role: str, codes: list[str]) -> list[dict]:
    """Grants of `role` in the communities with these codes (commands name communities by code),
    or tenant-wide without codes; NotFound names every code the tenant does not have."""
    ids = dict(db.session.execute(select(Community.code, Community.id).where(Community.code.in_(codes))).all())
    missing = [code for code in codes if code not in ids]
    if missing:
        raise NotFound(N_("No such community: %(code)s", code=", ".join(missing)))
    return [{"role": role, "community_id": ids[code]} for code in codes] or [{"role": role}]


def create_operator(username: str, password: str) -> PlatformOperator:
    """A platform operator (platform_admin, no tenant); a taken username is a Conflict. Audited
    in the platform's trail."""
    check_password(password, username)
    if db.session.scalar(select(PlatformOperator.id).where(PlatformOperator.username == username)):
        raise _username_taken()
    operator = PlatformOperator(username=username, password_hash=hash_password(password), token_version=0,
                                password_changed_at=_now())
    db.session.add(operator)
    db.session.flush()
    record("user.created", target_type="operator", target_id=operator.id, details={"username": username})
    return operator


def token_response(account: StaffUser | PlatformOperator) -> dict:
    """A fresh token for `account` (its current token_version), and whether it must first
    change its password (then who set it, when)."""
    ttl = current_app.config["WUYE"].token_ttl_seconds
    staff = isinstance(account, StaffUser)
    token = issue_token(current_app.config["SECRET_KEY"], ttl, kind="staff" if staff else "operator",
                        user_id=account.id, tenant_id=account.tenant_id if staff else None,
                        version=account.token_version, password_change=account.must_change_password)
    response = {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
                "password_change_required": account.must_change_password}
    if account.must_change_password:
        response["password_reset"] = password_reset_info(account)
    return response


def password_reset_info(account) -> dict:
    return {"by": account.password_reset_by, "at": account.password_changed_at}


def _login_failed(tenant: Tenant | None, tenant_slug: str | None, username: str) -> None:
    """Audited at once (the 401 rolls the request back): in the tenant's trail when the tenant
    exists, else the platform's. The normalized username, never the password."""
    record_now("auth.login_failed", details={"tenant": tenant_slug, "username": username[:100]},
               tenant_id=tenant.id if tenant is not None else None, actor=("anonymous", None, None))


def login(tenant_slug: str | None, username: str, password: str) -> dict | None:
    """A token for valid credentials, else None. Same cost whether or not the user exists.
    Logins and failed logins are audited."""
    if tenant_slug is None:
        operator = db.session.scalar(select(PlatformOperator).where(PlatformOperator.username == username))
        if not verify_password(operator.password_hash if operator else None, password) or not operator.active:
            _login_failed(None, None, username)
            return None
        record("auth.login", target_type="operator", target_id=operator.id,
               actor=("operator", operator.id, operator.username[:100]))
        return token_response(operator)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    user = None
    if tenant is not None:
        enter_tenant(tenant.id)  # also to write the failure to its trail (row security)
        if tenant.active:
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        _login_failed(tenant, tenant_slug, username)
        return None
    if needs_rehash(user.password_hash):  # cost parameters were raised since the hash was made
        user.password_hash = hash_password(password)  # committed with the request
    record("auth.login", target_type="staff_user", target_id=user.id, actor=("staff", user.id, user.username[:100]),
           details={"password_change_required": True} if user.must_change_password else None)
    return token_response(user)


def staff_user(user_id: int) -> StaffUser:
    """A staff user of the current tenant (the scoped lookup), for its administrator's pages and
    endpoints (they check the caller first); NotFound when there is none."""
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise NotFound()
    return user


def account_of(identity: Identity) -> StaffUser | PlatformOperator | None:
    model = PlatformOperator if identity.is_operator else StaffUser
    return db.session.get(model, identity.user_id)


def change_own_password(identity: Identity, current_password: str, new_password: str) -> dict:
    """The caller changes their own password with the current one: the policy applies, it must
    differ from the current one; every other token of the account ends; a fresh token returned."""
    account = account_of(identity)
    if account is None:
        raise NotFound()
    if not verify_password(account.password_hash, current_password):
        raise Invalid("current_password", N_("The current password is wrong."))
    check_password(new_password, account.username, "new_password")
    if verify_password(account.password_hash, new_password):
        raise Invalid("new_password", N_("Choose a password different from the current one."))
    set_password(account, new_password)
    record("user.password_changed", target_type=_target_type(account), target_id=account.id,
           details={"after_reset": True} if identity.password_change else None)
    db.session.flush()
    return token_response(account)


def logout(identity: Identity) -> None:
    """End every token of the caller's account (all devices): bump its token_version. Audited."""
    account = account_of(identity)
    if account is None:
        return
    account.token_version += 1
    record("auth.logout", target_type=_target_type(account), target_id=account.id)
