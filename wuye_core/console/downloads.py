"""Downloads: every export the API offers that this user may take, on one page, downloaded with
the console's session. The core's files come from the same functions as the API's endpoints
(tickets/exporting.py: the same access checks and audit records); the community report is drawn
from the one report function (households/reports.py). Plugins' files (found among their API
routes: those answering .xlsx or .docx) are taken where the plugin's pages offer them: the list
links to those pages, or says that the plugin's pages have them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..api.access import require_staff
from ..common.periods import PeriodArgs, this_month
from ..host.dispatch import host
from ..host.gate import plugin_communities
from ..households.access import readable_community
from ..households.reports import community_report
from ..tickets import exporting, kpis
from .blueprint import bp
from .forms import console_form, domain_errors
from .menu import menu_for
from .schema_forms import in_reader_language

FILE_TYPES = {".xlsx": "Excel", ".docx": "Word"}


@dataclass(frozen=True)
class PluginExport:
    title: str
    file_type: str


@dataclass(frozen=True)
class PluginDownloads:
    name: str
    title: str
    exports: list[PluginExport]
    page: str | None  # the plugin's console page to take them from, when it has one


def _bilingual(text: str | None) -> str:
    """The first line of an endpoint's "中文 / English" summary, in the reader's language."""
    line = text.strip().splitlines()[0] if text and text.strip() else ""
    return in_reader_language(line) if line else ""


def _summary(endpoint: str) -> str:
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, "get", None) if view_class is not None else None
    return _bilingual((method or view).__doc__ if (method or view) is not None else "")


def plugin_downloads() -> list[PluginDownloads]:
    """The files of the plugins enabled in a community the user can read, by plugin."""
    english = str(get_locale()) == "en"
    plugins = host().plugins
    owners = current_app.extensions.get("wuye_plugin_blueprints", {})  # registered blueprint → plugin name
    found: dict[str, list[PluginExport]] = {}
    for rule in current_app.url_map.iter_rules():
        suffix = next((s for s in FILE_TYPES if rule.rule.endswith(s)), None)
        name = owners.get(rule.endpoint.split(".")[0]) if suffix else None
        if name not in plugins:
            continue
        found.setdefault(name, []).append(PluginExport(_summary(rule.endpoint) or rule.rule, FILE_TYPES[suffix]))
    menu = menu_for(g.identity)
    out = []
    for name in sorted(found):
        if not plugin_communities(name):
            continue
        plugin = host().plugins[name]
        page = next((item.endpoint for item in menu if item.key.startswith(f"{name}.")), None)
        out.append(PluginDownloads(name, plugin.info.title_en if english else plugin.info.title_zh,
                                   sorted(found[name], key=lambda e: e.title), page))
    return out


def _period(errors: dict) -> kpis.Period | None:
    """The period asked (from, to: this month when left out); None with the errors by field."""
    args, problems = console_form(PeriodArgs(), {k: v for k, v in request.args.items() if k in ("from", "to") and v})
    if problems:
        errors.update(problems)
        return None
    return kpis.Period(args["first"], args["last"])


def _community_id(errors: dict) -> int | None:
    raw = (request.args.get("community_id") or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        errors["community_id"] = [_("Does not exist.")]
        return None
    return int(raw)


def _page(form: str | None = None, errors: dict | None = None):
    """The downloads page; `form`, `errors`: a download refused, its messages next to its fields."""
    require_staff()
    first, last = this_month()
    communities = exporting.readable_communities()
    page = render_template("console/downloads/index.html", current="downloads", communities=communities,
                           plugins=plugin_downloads(), form=form, errors=errors or {}, args=request.args,
                           first=first, last=last)
    return (page, 422) if errors else page


@bp.route("/downloads")
def downloads():
    """报表下载：本人可下载的全部导出。"""
    return _page()


@bp.route("/downloads/tickets.xlsx")
def download_tickets():
    """工单台账（Excel）：与 GET /api/v1/tickets/export.xlsx 相同的检查与审计。"""
    require_staff()
    errors: dict = {}
    period, community_id = _period(errors), _community_id(errors)
    if errors:
        return _page("tickets", errors)
    try:
        return exporting.tickets_xlsx(period, community_id)
    except Exception as exc:
        refused = domain_errors(exc)
        if refused is None:
            raise
        return _page("tickets", refused)


@bp.route("/downloads/kpis.xlsx")
def download_kpis():
    """工单指标（Excel）：全部可读社区（GET /api/v1/kpis.xlsx）或一个社区（…/communities/<id>/kpis.xlsx）。"""
    require_staff()
    errors: dict = {}
    period, community_id = _period(errors), _community_id(errors)
    if errors:
        return _page("kpis", errors)
    if community_id is None:
        return exporting.tenant_kpis_xlsx(period)
    return exporting.community_kpis_xlsx(readable_community(community_id), period)


@bp.route("/downloads/report")
def download_report():
    """社区报告：与 GET /api/v1/communities/<id>/report 相同的内容，可打印。"""
    require_staff()
    errors: dict = {}
    period, community_id = _period(errors), _community_id(errors)
    if community_id is None and "community_id" not in errors:
        errors["community_id"] = [_("Choose a community.")]
    if errors:
        return _page("report", errors)
    community = readable_community(community_id)
    report = community_report(community, period.first, period.last)
    return render_template("console/downloads/report.html", current="downloads", community=community,
                           report=report, english=str(get_locale()) == "en")

