"""The plugin's pages in wuye's web console (hook `wuye_console`, docs/plugins.md §3.2).

One blueprint, `pages`, mounted by the core under /console/plugins/welfare_jobs behind the same
gate as the API. Each area adds its pages in its own module (`console_<area>.py`, imported at the
end of this file), its templates under templates/welfare_jobs/, and a tab in `_layout.html`:

- `/communities/<id>`            overview: figures and what needs doing (console_overview)
- `/communities/<id>/posts`, `/posts/<id>`, `/communities/<id>/workers`, `/workers/<id>`,
  `/communities/<id>/placements`                                       (console_roster)
- `/communities/<id>/attendance`, `/posts/<id>/attendance`, `/me`      (console_attendance)
- `/communities/<id>/insurance`, `/communities/<id>/health`            (console_coverage)
- `/communities/<id>/subsidies`, `/communities/<id>/assessments`       (console_subsidies)
- `/communities/<id>/dispatch`, `/posts/<id>/queue`                    (console_work)
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    ConsolePart,
    MenuEntry,
    Panel,
    db,
    domain_errors,
    plugin_communities,
    render_page,
    require_staff,
)

from . import vocab
from .access import MANAGER, NAME, TEAM_LEADER, WORKER

pages = Blueprint("welfare_jobs_console", __name__, template_folder="templates", static_folder="static")


# --- helpers shared by the areas' pages ------------------------------------------------------------


def communities() -> list[Community]:
    """The communities where the plugin is on and the caller reads, by name."""
    require_staff()
    ids = plugin_communities(NAME)
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.name)).all())


def community(community_id: int) -> Community:
    return db.session.get(Community, community_id)  # the gate found it in the tenant


def query(schema) -> tuple[dict, dict]:
    """A list page's query string through the API's query schema (empty inputs left out); a
    wrong value is shown and the list falls back to its defaults."""
    values = {k: v for k, v in request.args.items() if v != "" and k in schema.fields}
    try:
        return schema.load(values), {}
    except ValidationError as exc:
        return schema.load({}), dict(exc.messages)


def refusal(exc: Exception) -> tuple[dict, int]:
    """A service's refusal as a form shows it: errors by field, and its status (403, 409, 422…);
    anything else is not a refusal and goes on up."""
    errors = domain_errors(exc)
    if errors is None:
        raise exc
    return errors, getattr(exc, "code", None) or getattr(exc, "status", None) or 422


def choices(vocabulary: dict) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary for a <select>, in the reader's language."""
    return [(code, vocab.label(vocabulary, code)) for code in vocabulary]


# --- pages ------------------------------------------------------------------------------------------


@pages.route("/")
def index():
    """公益岗位: the caller's communities; with one, straight to its overview."""
    found = communities()
    if len(found) == 1:
        return redirect(url_for(".overview", community_id=found[0].id))
    return render_page("welfare_jobs/index.html", communities=found)


@pages.route("/communities/<int:community_id>")
def overview(community_id):
    """A community's roster at a glance (filled in by console_overview)."""
    return render_page("welfare_jobs/overview.html", community=community(community_id), tab="overview",
                       coverage=console_coverage.overview_figures(community_id))


def console_part() -> ConsolePart:
    return ConsolePart(
        blueprint=pages,
        menu=(MenuEntry("welfare_jobs", label_zh="公益岗位", label_en="Public-welfare jobs", endpoint="index",
                        roles=(MANAGER, TEAM_LEADER), order=70),
              # a worker's own phone page (考勤打卡): their role cannot read the register, the core
              # shows a role-restricted entry to its holders where the plugin is on (API 1.11)
              MenuEntry("me", label_zh="我的岗位", label_en="My post", endpoint="me", roles=(WORKER,),
                        order=71)),
        panels=(Panel("welfare_jobs", title_zh="公益岗位", title_en="Public-welfare jobs",
                      render=console_coverage.panel),),
    )


# the areas' pages, on the same blueprint (imported last: they import this module)
from . import (  # noqa: E402,F401
    console_attendance,
    console_coverage,
    console_roster,
    console_subsidies,
    console_work,
)
