"""The home page: a dashboard by role (#17, item 2).

- tenant admins and everyone who reads communities (a street office with tenant-wide read,
  community staff with grants on some): the readable communities side by side for a period (this
  month by default, Beijing time): open and overdue tickets now (tickets/figures.py), tickets
  created, completion, 5341 compliance by stage (arrive within / resolve within) and satisfaction
  in the period (tickets/kpis.py), a 12-week trend of tickets created and resolved
  (kpis.weekly_trend), tickets by category; as ECharts charts and as a table (readable without
  them); then the enabled plugins' figures (hook `wuye_dashboard_figures`, households/figures.py)
  and their console panels (console/plugins.py);
- a repair worker (field role): their queue, overdue first (tickets/queue.py), fit for a phone;
- a platform operator: a short page pointing to the tenants.

Every figure comes from the tickets domain's functions, one grouped statement for all the
communities shown (never one query per community), but the plugins' figures, whose hook is
per community (called only where a plugin is enabled).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..api.pagination import PageArgs
from ..common import clock
from ..common.periods import PeriodArgs, this_month
from ..extensions import db
from ..households.figures import dashboard_figures
from ..households.models import Community
from ..tickets import figures as ticket_figures
from ..tickets import kpis
from ..tickets.queue import worker_queue
from .blueprint import bp
from .forms import console_form, form_values
from .plugins import panels

STATUS = {"submitted": _("Submitted"), "accepted": _("Accepted"), "dispatched": _("Dispatched"),
          "on_site": _("On site"), "resolved": _("Resolved"), "closed": _("Closed"),
          "reopened": _("Reopened"), "cancelled": _("Cancelled")}
PRIORITY = {"normal": _("Normal"), "urgent": _("Urgent"), "major": _("Major"), "complex": _("Complex")}
STAGE = {"arrive": _("Arrival overdue"), "resolve": _("Resolution overdue")}
TOP_CATEGORIES = 10


@bp.route("/")
def home():
    """首页：按角色的看板。"""
    identity = g.identity
    if identity.is_operator:
        return render_template("console/home/operator.html", current="home",
                               tenants_url=url_for("console.tenants") if "console.tenants" in current_app.view_functions
                               else None)
    readable = identity.readable_communities()
    if readable is None or readable:
        return _dashboard(readable)
    if identity.field_communities() != set():
        return _queue(identity)
    return render_template("console/home/nothing.html", current="home")


# --- the period ----------------------------------------------------------------------------------


def _quick_periods(today: date) -> list[tuple[str, date, date]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    first, last = this_month(today)
    return [(str(_("This month")), first, last),
            (str(_("Last month")), last_month_end.replace(day=1), last_month_end),
            (str(_("This year")), today.replace(month=1, day=1), today)]


def _period():
    """(period or None, errors, the values typed): `from`/`to` of the query string through the
    API's own PeriodArgs (this month when both are left out)."""
    schema = PeriodArgs()
    data, errors = console_form(schema, form_values(schema, request.args))
    typed = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    if errors:
        return None, errors, typed
    return kpis.Period(data["first"], data["last"]), {}, {"from": data["first"].isoformat(),
                                                          "to": data["last"].isoformat()}


# --- the dashboard -------------------------------------------------------------------------------


def _communities(readable: set[int] | None) -> dict[int, str]:
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if readable is not None:
        stmt = stmt.where(Community.id.in_(readable or [-1]))
    return dict(db.session.execute(stmt).all())


def _percent(rate: dict) -> float | None:
    return None if rate["value"] is None else round(rate["value"] * 100, 1)


def _values(figures) -> dict:
    return {f.key: f.value for f in figures}


def _dashboard(readable: set[int] | None):
    period, errors, typed = _period()
    today = clock.local_today()
    context = {"current": "home", "errors": errors, "typed": typed, "quick": _quick_periods(today),
               "period": period}
    if period is None:
        return render_template("console/home/dashboard.html", **context), 422
    names = _communities(readable)
    ids = list(names)
    if not ids:
        return render_template("console/home/dashboard.html", communities=[], **context)
    k = kpis.compute(period, ids, by_community=True)
    now = ticket_figures.figures_by_community(ids)
    trend = kpis.weekly_trend(period.last, ids)
    rows = []
    for c in ids:
        figures, current = k["communities"][c], _values(now[c])
        rows.append({"id": c, "name": names[c], "now": current, **_row(figures)})
    total_now = {key: sum(row["now"][key] or 0 for row in rows)
                 for key in ("tickets_open", "tickets_overdue_arrive", "tickets_overdue_resolve")}
    totals = {"name": _("All communities"), "now": total_now, **_row(k)}
    plugin_figures = _plugin_figures(ids, names)
    charts = _charts(rows, k, trend, names)
    return render_template("console/home/dashboard.html", communities=rows, totals=totals, trend=trend,
                           charts=charts, plugin_figures=plugin_figures,
                           panels=panels(None if readable is None else set(ids)),
                           tickets_url="console.tickets" in current_app.view_functions, **context)


def _plugin_figures(ids: list[int], names: dict[int, str]) -> dict:
    """The enabled plugins' figures side by side: {"communities": [names of those with any],
    "rows": [{"plugin", "label", "unit", "rate", "values": [value or None per community]}]}."""
    english = str(get_locale()) == "en"
    tenant_id = g.identity.tenant_id
    by_community = {c: dashboard_figures(c, tenant_id, plugins_only=True) for c in ids}
    shown = [c for c in ids if by_community[c]]
    rows: dict[tuple[str, str], dict] = {}
    for i, c in enumerate(shown):
        for f in by_community[c]:
            row = rows.setdefault((f["plugin"], f["key"]), {
                "plugin": f["plugin"], "label": f["label_en"] if english else f["label_zh"],
                "unit": f.get("unit") or "", "rate": f["key"].endswith("_rate"), "values": [None] * len(shown)})
            row["values"][i] = f["value"]
    return {"communities": [names[c] for c in shown], "rows": list(rows.values())}


def _row(figures: dict) -> dict:
    return {"created": figures["total"], "completion": figures["completion_rate"],
            "arrive": figures["arrive_sla_rate"], "resolve": figures["resolve_sla_rate"],
            "satisfaction": figures["satisfaction"]}


def _bar(categories, series, y_name="", y_max=None) -> dict:
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"interval": 0, "hideOverlap": True}},
        "yAxis": {"type": "value", "name": y_name, "minInterval": 1},
        "series": [{"type": "bar", "name": name, "data": data} for name, data in series],
    }
    if y_max is not None:
        option["yAxis"].update({"max": y_max, "minInterval": 0})
    return option


def _charts(rows, k, trend, names) -> dict:
    labels = [row["name"] for row in rows]
    by_category: dict[str, list[int]] = {}
    for row in rows:
        for category, n in k["communities"][row["id"]]["by_category"].items():
            by_category.setdefault(category, [0] * len(rows))[rows.index(row)] += n
    categories = sorted(by_category, key=lambda c: (-sum(by_category[c]), c))[:TOP_CATEGORIES]
    return {
        "open": _bar(labels, [(str(_("Open now")), [r["now"]["tickets_open"] for r in rows]),
                              (str(_("Arrival overdue")), [r["now"]["tickets_overdue_arrive"] for r in rows]),
                              (str(_("Resolution overdue")), [r["now"]["tickets_overdue_resolve"] for r in rows])],
                     str(_("tickets"))),
        "sla": _bar(labels, [(str(_("Arrived in time")), [_percent(r["arrive"]) for r in rows]),
                             (str(_("Resolved in time")), [_percent(r["resolve"]) for r in rows])], "%", 100),
        "satisfaction": _bar(labels, [(str(_("Average rating")), [r["satisfaction"]["average"] for r in rows])],
                             str(_("points")), 5),
        "trend": {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": [w.strftime("%m-%d") for w in trend["weeks"]]},
            "yAxis": {"type": "value", "minInterval": 1, "name": str(_("tickets"))},
            "series": [{"type": "line", "name": str(_("Created")), "data": trend["created"]},
                       {"type": "line", "name": str(_("Resolved")), "data": trend["resolved"]}],
        },
        "category": {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": categories, "inverse": True},
            "series": [{"type": "bar", "stack": "all", "name": row["name"],
                        "data": [by_category[c][i] for c in categories]} for i, row in enumerate(rows)],
        },
        "categories": [(c, sum(by_category[c])) for c in categories],
    }


# --- a repair worker's queue ---------------------------------------------------------------------


def _queue(identity):
    schema = PageArgs(only=("page", "per_page"))
    args, errors = console_form(schema, form_values(schema, request.args))
    args = args or {"page": 1, "per_page": 20}
    queue = worker_queue(identity, args["page"], args["per_page"])
    ids = {t.community_id for t in queue["items"]}
    names = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all()) if ids else {}
    return render_template("console/home/worker.html", current="home", queue=queue, names=names,
                           status=STATUS, priority=PRIORITY, stage=STAGE)
