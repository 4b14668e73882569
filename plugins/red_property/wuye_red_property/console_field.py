"""Console pages of the work in the field: liaison visits (a list, a form to log one with the
problems found, a visit with its problems) and coverage (who serves each site, with the
community's "5341" response times and the plugin's key figures). Same services and schemas as
the API (liaison.log_visit, coverage.coverage, figures.figures)."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from wuye_core.plugins import Site, console_form, current_identity, db, form_values, paginate, render_page

from .common import config, readable
from .console import attempt_form, community_name, done, pages, query_args
from .coverage import coverage as coverage_of
from .figures import figures
from .i18n import _
from .liaison import (
    LiaisonVisitIn,
    LiaisonVisitQuery,
    log_visit,
    may_log,
    require_logger,
    visit_detail,
    visits_of,
)
from .models import Visit

PROBLEMS = "problems"


def _sites(community_id: int) -> list[tuple[int, str]]:
    return db.session.execute(
        select(Site.id, Site.name).where(Site.community_id == community_id).order_by(Site.name, Site.id)
    ).all()


def _visit_values() -> dict:
    """The form as LiaisonVisitIn reads it: empty inputs left out, one problem per line."""
    values = form_values(LiaisonVisitIn())
    values.pop(PROBLEMS, None)
    lines = [line.strip() for line in request.form.get(PROBLEMS, "").splitlines() if line.strip()]
    if lines:
        values[PROBLEMS] = [{"description": line} for line in lines]
    return values


def _by_input(errors: dict) -> dict:
    """Messages about one problem ("problems.2.description") shown at the problems' input."""
    out: dict = {}
    for key, messages in errors.items():
        if key.startswith(PROBLEMS + "."):
            line = key.split(".")[1]
            messages = [_("Line %(line)s: %(message)s", line=int(line) + 1, message=m) if line.isdigit() else m
                        for m in messages]
            key = PROBLEMS
        out.setdefault(key, []).extend(messages)
    return out


@pages.route("/communities/<int:community_id>/visits", methods=["GET", "POST"])
def visits(community_id):
    errors, status = {}, 200
    if request.method == "POST":
        require_logger(community_id)  # 403 before the form is read, as at the API
        data, errors = console_form(LiaisonVisitIn(), _visit_values())
        status = 422
        if not errors:
            visit, errors, status = attempt_form(lambda: log_visit(community_id, data))
            if not errors:
                return done(_("The visit is logged."), "visit", visit_id=visit.id)
        errors = _by_input(errors)
    args = query_args(LiaisonVisitQuery())
    page = paginate(visits_of(community_id), Visit, args)
    sites = _sites(community_id)
    return render_page(
        "red_property/visits.html", community_id=community_id, community=community_name(community_id),
        page=page, sites=sites, site_names=dict(sites), errors=errors, values=request.form,
        writable=may_log(current_identity(), community_id), current="red_property.visits",
    ), status


@pages.route("/visits/<int:visit_id>")
def visit(visit_id):
    row = visit_detail(readable(Visit, visit_id))
    return render_page("red_property/visit.html", visit=row, community=community_name(row.community_id),
                       site_names=dict(_sites(row.community_id)), current="red_property.visits")


@pages.route("/communities/<int:community_id>/coverage")
def coverage(community_id):
    return render_page(
        "red_property/coverage.html", community_id=community_id, community=community_name(community_id),
        cover=coverage_of(community_id), rapid=config(community_id)["rapid_response"],
        figures=figures(community_id), current="red_property.coverage",
    )
