"""Who may see care data, and the record of every look.

Only holders of `care_worker` or `care_supervisor` in a community (or tenant-wide) see its care
data. A tenant administrator is **not** a care worker by office: to see care data they grant
themselves one of the two roles, and that grant is itself visible in the user list. Everyone
else gets 404 on every care endpoint — the same answer as for a community that does not exist,
so not even the existence of care data leaks.
"""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_smorest import Blueprint, abort

from wuye_core.plugins import db, get_for_update, require_staff, route_community, services, staff_names

from .i18n import _

NAME = "care_visits"
WORKER = "care_worker"
SUPERVISOR = "care_supervisor"


def holds_care_role(identity, community_id: int | None, supervisor: bool = False) -> bool:
    roles = (SUPERVISOR,) if supervisor else (WORKER, SUPERVISOR)
    if community_id is None:  # the whole tenant: only a tenant-wide grant
        return any(r in roles and cid is None for r, cid in identity.grants)
    return any(identity.has_role(role, community_id) for role in roles)


def care_staff(user_id: int, community_id: int) -> bool:
    """Whether a staff user of the tenant holds care_worker/care_supervisor for the community
    (who a plan item may be assigned to)."""
    identity = services.staff_identity(user_id)
    return identity is not None and holds_care_role(identity, community_id)


def care_staff_choices(community_id: int) -> list[tuple[int, str]]:
    """Who a plan item of the community may be assigned to: (id, name) of its care staff."""
    return services.staff_holding((WORKER, SUPERVISOR), community_id)


def care_community(community_id: int, supervisor: bool = False) -> int:
    """The community id if the caller holds a care role there (a supervisor's, if asked); else 404.

    A role check only: where the plugin is off, the community is another tenant's or unknown, or
    the caller cannot read it, the core's gate has already answered 404 before any care code ran."""
    if not holds_care_role(require_staff(), community_id, supervisor):
        abort(404)
    return community_id


def care_object(model, object_id: int, supervisor: bool = False, lock: bool = False):
    """A care row the URL addresses by id: the core's gate loaded it and checked its community
    (wuye_route_objects in plugin.py), so this is a look-up in the session; it adds the care role.
    `lock`: for a write, the row locked until the request commits and re-read as committed
    (`get_for_update`), so two identical changes at once have one winner."""
    obj = get_for_update(model, object_id) if lock else db.session.get(model, object_id)
    if obj is None or obj.community_id is None:  # only for an id the gate did not check: still a 404
        abort(404)
    care_community(obj.community_id, supervisor)
    return obj


def audited(action: str):
    """Declare the access-log action of a care view (a method of a MethodView). Every care view
    must carry one: `CareBlueprint` refuses to register a view without it, and the test
    tests/test_care_visits_audit_coverage.py calls every route and looks for its row.

    The view names the subject with `audit(...)` — in the same transaction as the read or change
    it records (before the change commits; a read commits the row at once). A view that returns
    without having written its row raises: a forgotten `audit(...)` is a 500 in the tests, never
    a silent gap in the log. A view that answers a refusal itself (a console form shown again
    with its errors: a status ≥ 400) did nothing: it need not write a row."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.care_audit = {"action": action, "written": 0}
            result = view(*args, **kwargs)
            if not g.care_audit["written"] and _status(result) < 400:
                raise RuntimeError(f"care view {view.__qualname__} declared the access-log action "
                                   f"{action!r} but wrote no access-log row")
            return result

        wrapper.care_audit_action = action
        return wrapper

    return decorate


def audit(
    community_id: int | None,
    person_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    commit: bool = True,
) -> None:
    """Write the access-log row of the running view (its action from `@audited`): who, which
    person and record, when, and why (the optional `reason` query parameter, e.g. 核实低保申请).

    `commit=True` (reads): commit now, so the read is recorded even if the response fails.
    `commit=False` (changes): the row joins the change's transaction and commits with it; a
    refused change (4xx) rolls both back. Rows are only ever inserted, never updated."""
    from .models import CareAccessLog

    pending = g.get("care_audit")
    if pending is None:
        raise RuntimeError("audit() outside a view declared with @audited")
    identity = require_staff()
    reason = (request.args.get("reason") or "").strip()[:200] or None
    db.session.add(
        CareAccessLog(
            community_id=community_id,
            user_id=identity.user_id,
            username=identity.username,
            action=pending["action"],
            person_id=person_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
        )
    )
    pending["written"] += 1
    if commit:
        db.session.commit()


def _status(result) -> int:
    """The status of a view's return value: (body, status), a Response, or a body (200)."""
    if isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], int):
        return result[1]
    return getattr(result, "status_code", 200)


class CareBlueprint(Blueprint):
    """A blueprint of the care plugin: `gate` before every request, and on registration every
    view method must be declared with `@audited` (RuntimeError otherwise, when the app is built)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(gate)  # 404 before anything else for whoever holds no care role

    def register(self, app, options):
        super().register(app, options)
        name = f"{options.get('name_prefix', '')}.{options.get('name', self.name)}".lstrip(".")
        missing = [
            f"{endpoint} {method}"
            for endpoint, view in app.view_functions.items()
            if endpoint.startswith(name + ".") and getattr(view, "view_class", None) is not None
            for method in sorted(view.view_class.methods or ())
            if not hasattr(getattr(view.view_class, method.lower()), "care_audit_action")
        ]
        if missing:
            raise RuntimeError("care views without an access-log action (@audited): " + ", ".join(missing))


def audit_actions(app) -> dict[tuple[str, str], str]:
    """(rule, METHOD) → declared action, for every care route of `app` (for the coverage test)."""
    out = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        cls = getattr(view, "view_class", None)
        if cls is None or not rule.rule.startswith(f"/api/v1/plugins/{NAME}/"):
            continue
        for method in sorted(cls.methods or ()):
            out[(rule.rule, method)] = getattr(getattr(cls, method.lower()), "care_audit_action", None)
    return out


def watermark() -> str:
    from . import clock

    identity = require_staff()
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    # In the reader's language only; the person by their name (the account's number beside it).
    return _("For care work only · exported by %(user)s (#%(id)s) · %(time)s Beijing time",
             user=staff_names([identity.username])[identity.username], id=identity.user_id, time=stamp)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    return services.mask_phone(phone)  # the core's one masking (138****5678)


def gate() -> None:
    """`before_request` of every care blueprint, after the core's gate: the care role, for the
    community the core found in the URL, is checked before the request body or query is even
    validated, so an outsider gets 404, never a 422 that shows the route is there."""
    community_id = route_community()
    if community_id is None:  # the tenant's briefs: a tenant-wide care role only
        if not holds_care_role(require_staff(), None):
            abort(404)
        return
    care_community(community_id)
