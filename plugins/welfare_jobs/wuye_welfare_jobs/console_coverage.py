"""Console pages of insurance and health checks, and the figures on the overview and the home panel.

- `/communities/<id>/insurance`: policies ending soon, workers on post lacking a required kind, and
  one worker's policies (`?worker=<id>`) with the form to add one (and delete a mistaken one).
- `/communities/<id>/health`: the year's checks by state, the button that schedules them, and the
  form recording a result (the roster manager's; results and notes are shown to them only).

The same services, schemas and access checks as the API (insurance.py, health.py); forms go
through `console_form` and `attempt`, a refusal is shown next to its field with its status."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    GENERAL,
    Community,
    attempt,
    console_form,
    current_identity,
    db,
    form_values,
    local_today,
    paginate,
    render_page,
)

from . import figures, health, insurance, vocab
from .access import NAME, is_manager
from .console import choices, community, pages, query
from .i18n import _
from .models import HealthCheck, Policy, Worker

ENDPOINT = f"console_{NAME}."  # the blueprint's name once mounted (for pages drawn outside it: the panel)


def _worker_here(community_id: int, worker_id) -> Worker | None:
    """The worker `?worker=` names, if they belong to this community."""
    try:
        wid = int(worker_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(Worker).where(Worker.id == wid, Worker.community_id == community_id))


def _premium(values: dict, errors: dict) -> None:
    """The premium typed in yuan (two decimals) → `premium_fen`."""
    raw = (request.form.get("premium_yuan") or "").strip()
    if not raw:
        return
    try:
        amount = Decimal(raw)
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
        values["premium_fen"] = int(amount * 100)
    except (InvalidOperation, ValueError):
        errors["premium_yuan"] = [_("Give the premium in yuan, with at most two decimals.")]


@pages.route("/communities/<int:community_id>/insurance", methods=["GET", "POST"])
def insurance_page(community_id):
    errors, status, values = {}, 200, {}
    worker = _worker_here(community_id, request.args.get("worker") or request.form.get("worker_id"))
    if request.method == "POST" and worker is not None:
        values = request.form
        loaded = form_values(insurance.InsurancePolicyIn())
        _premium(loaded, errors)
        data, form_errors = console_form(insurance.InsurancePolicyIn(), loaded)
        errors.update({("premium_yuan" if k == "premium_fen" else k): v for k, v in form_errors.items()})
        status = 422 if errors else 200
        if not errors:
            _policy, errors, status = attempt(
                lambda: insurance.add_policy(worker.id, data, current_identity().username))
            if not errors:
                flash(_("The policy is recorded."), "success")
                return redirect(url_for(".insurance_page", community_id=community_id, worker=worker.id), code=303)
    elif request.method == "POST":
        errors, status = {GENERAL: [_("Choose a worker of this community.")]}, 422
    return render_page(
        "welfare_jobs/coverage_insurance.html", community=community(community_id), tab="insurance",
        alerts=insurance.alerts(community_id), worker=worker,
        policies=insurance.policies_of(worker.id) if worker else [], kinds=choices(vocab.INSURANCE_KINDS),
        kind_labels=dict(choices(vocab.INSURANCE_KINDS)),
        manager=is_manager(current_identity(), community_id), errors=errors, values=values, today=local_today(),
    ), status


@pages.route("/communities/<int:community_id>/insurance/policies/<int:policy_id>/delete", methods=["POST"])
def delete_policy(community_id, policy_id):
    policy = db.session.get(Policy, policy_id)  # the gate loaded it, in this community
    worker_id = policy.worker_id
    _result, errors, _status = attempt(lambda: insurance.delete_policy(policy_id))
    if errors:
        for messages in errors.values():
            for message in messages:
                flash(message, "error")
    else:
        flash(_("The policy is deleted."), "success")
    return redirect(url_for(".insurance_page", community_id=community_id, worker=worker_id), code=303)


@pages.route("/communities/<int:community_id>/health")
def health_page(community_id, errors=None, status=200, check_id=None):
    args, query_errors = query(health.HealthCheckQuery())
    day = local_today()
    year = args.get("year", day.year)
    page = paginate(health.listed(community_id, args, day), HealthCheck, args)
    page["items"] = health.shown(page["items"], community_id, day)
    counts = figures.checks_of_year(community_id, year, day)
    return render_page(
        "welfare_jobs/coverage_health.html", community=community(community_id), tab="health", page=page,
        year=year, state=args.get("state") or "", counts=counts, query_errors=query_errors,
        results=choices(vocab.HEALTH_RESULTS), manager=is_manager(current_identity(), community_id),
        errors=errors or {}, failed_check=check_id, values=request.form if errors else {}, today=day,
    ), status


@pages.route("/communities/<int:community_id>/health/schedule", methods=["POST"])
def schedule_checks(community_id):
    data, errors = console_form(health.HealthScheduleIn())
    if not errors:
        created, errors, status = attempt(lambda: health.schedule(community_id, data["year"]))
        if not errors:
            flash(_("%(count)s health checks scheduled for %(year)s.", count=created, year=data["year"]), "success")
            return redirect(url_for(".health_page", community_id=community_id, year=data["year"]), code=303)
    else:
        status = 422
    return health_page(community_id, errors=errors, status=status)


@pages.route("/communities/<int:community_id>/health/<int:check_id>", methods=["POST"])
def record_check(community_id, check_id):
    check = db.session.get(HealthCheck, check_id)  # the gate loaded it, in this community
    data, errors = console_form(health.HealthCheckPatch())
    status = 422
    if not errors:
        _check, errors, status = attempt(lambda: health.record(check_id, data, current_identity().username))
        if not errors:
            flash(_("The health check is recorded."), "success")
            return redirect(url_for(".health_page", community_id=community_id, year=check.year) + f"#check-{check_id}",
                            code=303)
    return health_page(community_id, errors=errors, status=status, check_id=check_id)


# --- the figures: overview and the home page's panel -----------------------------------------------------


def overview_figures(community_id: int) -> dict:
    """What the overview page shows: the coverage figures (console.py's `overview` passes them)."""
    return figures.coverage(community_id)


def panel(community_ids: list[int]) -> str:
    """The home page's panel: each community's key figures (counts only), read-only."""
    ids = sorted(community_ids)
    if not ids:
        return ""
    names = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())
    rows = [(cid, names.get(cid, str(cid)), figures.dashboard_figures(cid)) for cid in ids]
    rows.sort(key=lambda row: row[1])
    return render_page("welfare_jobs/panel.html", plugin=NAME, rows=rows, overview=ENDPOINT + "overview")

