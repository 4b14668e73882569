"""The plugin's pages in wuye's web console (hook `wuye_console`, docs/plugins.md §3.2): the
blueprint, its menu entries and home-page panel, and what its views share.

The console is another edge of the same services as the API: every page calls the functions the
API's views call (meetings.schedule_meeting, resolutions.record_follow_up, liaison.log_visit,
exports.minutes_download…), loads forms through the API's schemas (`console_form`) and checks
access with the same functions (common.require_write, liaison.require_logger). The core's gate
has answered 404 before a view runs where the plugin is off for the community the URL names or
the caller cannot read it. The views live in console_meetings.py (meetings, resolutions,
follow-ups, exports) and console_field.py (liaison visits, coverage, "5341")."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from wuye_core.plugins import (
    GENERAL,
    Community,
    ConsolePart,
    MenuEntry,
    Panel,
    attempt,
    current_identity,
    db,
    plugin_communities,
    render_page,
)

from .common import NAME
from .i18n import _

pages = Blueprint("red_property_console", __name__, template_folder="templates")
EP = f"console_{NAME}."  # the blueprint's name once the core has mounted it (console/plugins.py)


def endpoint(view: str) -> str:
    return EP + view


def community_names(ids) -> dict[int, str]:
    """{id: name} of the communities, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())


def community_name(community_id: int) -> str:
    return community_names([community_id]).get(community_id, str(community_id))


def query_args(schema) -> dict:
    """The page's query string through the API's list schema (page, per_page, sort, filters);
    what it cannot read is left at its default, as a page should still open."""
    raw = {k: v for k, v in request.args.items() if k in schema.fields and v != ""}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        for key in exc.messages:
            raw.pop(key, None)
        return schema.load(raw)


def attempt_form(call, *, hidden: tuple[str, ...] = ()):
    """The facade's `attempt` for a form of the plugin: (result, errors, status), the refused
    call's writes rolled back. 403 and 404 go on to the core's error page, as at the API; a 409
    says the API's message at the top of the form; messages about `hidden` fields (not inputs
    of the form) go to the whole form."""
    result, errors, status = attempt(call)
    if status in (403, 404):
        abort(status)
    for name in hidden:
        if name in errors:
            errors.setdefault(GENERAL, []).extend(errors.pop(name))
    return result, errors, status


def may_write(community_id: int) -> bool:
    """Whether the page offers its forms (the service checks again when one is sent)."""
    return current_identity().can_write(community_id)


def choose_community(view: str, title: str):
    """A menu entry's page: straight to the one community where the plugin is on for the user,
    or the list of them to choose from."""
    ids = plugin_communities(NAME)
    if not ids:
        abort(404)
    if len(ids) == 1:
        return redirect(url_for(endpoint(view), community_id=next(iter(ids))))
    names = community_names(ids)
    rows = sorted(names.items(), key=lambda pair: pair[1])
    return render_page("red_property/communities.html", rows=rows, view=endpoint(view), page_title=title)


@pages.route("/")
def meetings_home():
    return choose_community("meetings", _("Joint meetings"))


@pages.route("/visits")
def visits_home():
    return choose_community("visits", _("Liaison visits"))


@pages.route("/coverage")
def coverage_home():
    return choose_community("coverage", _("Service coverage"))


def done(message: str, view: str, **values):
    """Post-redirect-get after a change went through."""
    flash(message, "success")
    return redirect(url_for(endpoint(view), **values), code=303)


def panel(community_ids: list[int]) -> str:
    """The home page's panel: the plugin's key figures per community (read-only)."""
    from .figures import figures

    names = community_names(community_ids)
    rows = [(cid, names.get(cid, str(cid)), figures(cid)) for cid in sorted(community_ids, key=lambda c: names.get(c, ""))]
    return render_page("red_property/panel.html", plugin=NAME, rows=rows, endpoint=endpoint)


def part() -> ConsolePart:
    from . import console_agreements, console_field, console_links, console_meetings  # noqa: F401  (their views join the blueprint)

    return ConsolePart(
        blueprint=pages,
        menu=(
            MenuEntry("meetings", label_zh="三方联席会议", label_en="Joint meetings", endpoint="meetings_home", order=50),
            MenuEntry("visits", label_zh="联络走访", label_en="Liaison visits", endpoint="visits_home", order=51),
            MenuEntry("coverage", label_zh="服务覆盖", label_en="Service coverage", endpoint="coverage_home",
                      order=52),
        ),
        panels=(Panel("joint_governance", title_zh="红色物业 · 三方联动", title_en="Red property joint governance",
                      render=panel),),
    )
