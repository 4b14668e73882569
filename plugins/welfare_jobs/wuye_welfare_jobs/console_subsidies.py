"""Console pages of the monthly subsidies and the yearly assessment (roster manager only; anyone
else gets the console's 403 page saying so). The same services as the API (subsidies.py,
subsidy_roster.py, assessments.py) and the same refusals, shown next to the form.

- `/communities/<id>/subsidies?month=YYYY-MM` (default: last month, the one usually claimed):
  a month picker, the compute button, the rows with their totals, the download of the
  花名册, and the submission behind a confirmation page (`…/subsidies/submit?month=`).
- `/communities/<id>/assessments?year=` (default: last year): everyone on post that year, each
  with a grade form (record, or correct the one recorded), and the year's export.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from wuye_core.plugins import DomainError, attempt, console_form, domain_errors, local_today, render_page

from . import assessments as rules
from . import subsidies, vocab
from .access import require_manager, routed
from .console import choices, community, pages, query
from .i18n import _
from .models import Assessment
from .routes_assessments import assessments_download, year_page
from .routes_subsidies import SubsidyQuery, computed_month, month_out
from .subsidy_roster import roster_download

# --- subsidies ------------------------------------------------------------------------------------


def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals, exactly ("2210.00")."""
    if fen is None:
        return ""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _last_month() -> str:
    first = local_today().replace(day=1)
    return (first.replace(year=first.year - 1, month=12) if first.month == 1
            else first.replace(month=first.month - 1)).strftime("%Y-%m")


def _month(value: str | None):
    """(first day, text, errors): the month asked for, or last month with the reason shown."""
    text = (value or "").strip() or _last_month()
    try:
        return subsidies.parse_month(text, "month", "query"), text, {}
    except DomainError as exc:
        errors = domain_errors(exc)
        fallback = _last_month()
        return subsidies.parse_month(fallback, "month", "query"), fallback, errors


def _month_page(community_id: int, month_value: str | None, errors: dict | None = None, status: int = 200):
    first, text, problems = _month(month_value)
    args, _wrong = query(SubsidyQuery())
    if "per_page" not in request.args:
        args["per_page"] = 100  # a community's month on one page
    state = month_out(community_id, first, args)
    return render_page("welfare_jobs/subsidies_month.html", community=community(community_id), tab="subsidies",
                       state=state, month=text, max_month=local_today().strftime("%Y-%m"), yuan=yuan,
                       errors={**problems, **(errors or {})}), status


@pages.route("/communities/<int:community_id>/subsidies")
def subsidies_month(community_id):
    require_manager(community_id)
    return _month_page(community_id, request.args.get("month"))


@pages.route("/communities/<int:community_id>/subsidies/compute", methods=["POST"])
def subsidies_compute(community_id):
    identity = require_manager(community_id)
    text = (request.form.get("month") or "").strip()
    result, errors, status = attempt(lambda: subsidies.compute_month(
        community_id, subsidies.parse_month(text, "month", "form"), identity.username))
    if errors:
        return _month_page(community_id, text, errors, status)
    flash(_("%(month)s computed: %(people)s people.", month=text, people=result.people), "success")
    return redirect(url_for(".subsidies_month", community_id=community_id, month=text), code=303)


@pages.route("/communities/<int:community_id>/subsidies/submit", methods=["GET", "POST"])
def subsidies_submit(community_id):
    """GET: the confirmation (what will be claimed); POST: the submission."""
    identity = require_manager(community_id)
    text = (request.values.get("month") or "").strip()
    errors, status = {}, 200
    if request.method == "POST":
        _result, errors, status = attempt(lambda: subsidies.submit_month(
            community_id, subsidies.parse_month(text, "month", "form"), identity.username))
        if not errors:
            flash(_("%(month)s is submitted: its subsidies are final.", month=text), "success")
            return redirect(url_for(".subsidies_month", community_id=community_id, month=text), code=303)
    first, text, problems = _month(text)
    return render_page("welfare_jobs/subsidies_submit.html", community=community(community_id), tab="subsidies",
                       state=month_out(community_id, first), month=text, errors={**problems, **errors},
                       yuan=yuan), status


@pages.route("/communities/<int:community_id>/subsidies/roster.xlsx")
def subsidies_roster(community_id):
    require_manager(community_id)
    text = (request.args.get("month") or "").strip()
    return roster_download(computed_month(community_id, subsidies.parse_month(text, "month", "query")))


# --- assessments ----------------------------------------------------------------------------------


def _year(value: str | None) -> tuple[int, dict]:
    default = local_today().year - 1
    if not value:
        return default, {}
    try:
        return rules.check_year(int(value)), {}
    except (ValueError, DomainError):
        return default, {"year": [_("Choose a year from %(first)s to this year.", first=rules.FIRST_YEAR)]}


def _assessments_page(community_id: int, year: int, errors: dict | None = None, status: int = 200,
                      failed_worker: int | None = None, values=None):
    args, _wrong = query(rules.AssessmentQuery())
    if "per_page" not in request.args:
        args["per_page"] = 100
    this_year = local_today().year
    return render_page("welfare_jobs/assessments_year.html", community=community(community_id), tab="assessments",
                       page=year_page(community_id, year, args), year=year,
                       years=list(range(this_year, max(rules.FIRST_YEAR, this_year - 10) - 1, -1)),
                       grades=choices(vocab.GRADES), errors=errors or {}, failed_worker=failed_worker,
                       values=values or {}), status


@pages.route("/communities/<int:community_id>/assessments", methods=["GET", "POST"])
def assessments_year(community_id):
    identity = require_manager(community_id)
    year, problems = _year(request.values.get("year"))
    if request.method == "POST" and not problems:
        worker_id = request.form.get("worker_id", type=int)
        data, errors = console_form(rules.AssessmentIn())
        status = 422
        if not errors:
            _made, errors, status = attempt(lambda: rules.record(community_id, year, data, identity.username))
        if errors:
            return _assessments_page(community_id, year, errors, status, worker_id, request.form)
        flash(_("The grade is recorded."), "success")
        return redirect(url_for(".assessments_year", community_id=community_id, year=year), code=303)
    return _assessments_page(community_id, year, problems)


@pages.route("/assessments/<int:assessment_id>", methods=["POST"])
def assessment_amend(assessment_id):
    require_manager(routed(Assessment, assessment_id).community_id)
    data, errors = console_form(rules.AssessmentPatch())
    if not errors:
        if "score" not in data:  # the form sends every field: an emptied score is cleared
            data["score"] = None
        if "note" not in data:
            data["note"] = None
        _changed, errors, status = attempt(lambda: rules.amend(routed(Assessment, assessment_id, lock=True), data))
    else:
        status = 422
    assessment = routed(Assessment, assessment_id)
    if errors:
        return _assessments_page(assessment.community_id, assessment.year, errors, status, assessment.worker_id,
                                 request.form)
    flash(_("The assessment is corrected."), "success")
    return redirect(url_for(".assessments_year", community_id=assessment.community_id, year=assessment.year),
                    code=303)


@pages.route("/communities/<int:community_id>/assessments.xlsx")
def assessments_export(community_id):
    require_manager(community_id)
    year, problems = _year(request.args.get("year"))
    if problems:
        return _assessments_page(community_id, year, problems, 422)
    return assessments_download(community_id, year)
