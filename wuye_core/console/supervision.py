"""属地监管 at the console (#18 items 2, 5, 7): the companies serving our sites through links in
force, a company's tickets of those sites (the ticket list's filters and paging), one of them with
its history (read-only), and the street-wide comparison by community and serving organisation
with its workbook. Every read is the API's (supervision/tickets.py, supervision/figures.py): one
grant per read, recorded in the company's trail; the same masking (a dedicated view, never the
core's ticket schema)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from ..api.access import require_staff
from ..auth.roles import Identity
from ..common import clock
from ..common.periods import PeriodArgs, this_month
from ..i18n import N_, show_note
from ..links.models import LinkState
from ..links.service import tenant_names
from ..supervision import figures as street
from ..supervision import streetwide
from ..supervision import tickets as supervised
from ..supervision.grant import readable_links
from ..supervision.schemas import SupervisedTicketQuery
from ..tenancy import require_tenant_id
from ..tickets import kpis
from .blueprint import bp
from .forms import console_form, form_values
from .links import tenant_links
from .tickets import (
    CHANNEL_LABELS,
    HISTORY_LABELS,
    KIND_LABELS,
    LATE_LABELS,
    PRIORITY_LABELS,
    SORT_OPTIONS,
    STATUS_LABELS,
)

LABELS = {"status": STATUS_LABELS, "kind": KIND_LABELS, "priority": PRIORITY_LABELS, "channel": CHANNEL_LABELS,
          "history": HISTORY_LABELS, "late": LATE_LABELS}
ORGANISATION = {"own": _l("Our own"), "provider": _l("Linked company")}


def _supervisor() -> Identity:
    identity = require_staff()
    if identity.readable_communities() == set():  # a field worker reads no register
        abort(403, message=N_("Your role does not allow this."))
    return identity


def shows_supervision(identity: Identity) -> bool:
    """The menu's test: a reader of a community where a company serves a site through a link in force."""
    if identity.is_operator:
        return False
    readable, me = identity.readable_communities(), require_tenant_id()
    return readable != set() and any(
        state == LinkState.accepted and provider != me and (readable is None or community in readable)
        for state, _proposed_by, provider, community in tenant_links())


@bp.route("/supervision")
def supervision():
    """属地监管：为本方小区服务的企业及其服务关系。"""
    providers = supervised.providers(_supervisor())
    return render_template("console/supervision/providers.html", current="supervision", providers=providers)


def _provider_name(provider_id: int) -> str:
    return tenant_names([provider_id]).get(provider_id, "")


def _list_args() -> tuple[dict, dict]:
    schema = SupervisedTicketQuery()
    data, errors = console_form(schema, form_values(schema, request.args))
    if errors:
        data, _ = console_form(schema, {"page": 1})
    return data, errors


@bp.route("/supervision/<int:provider_id>/tickets")
def supervision_tickets(provider_id: int):
    """属地监管：服务企业在本方小区的工单（只读）。"""
    identity = _supervisor()
    links = readable_links(identity, provider_id)
    if not links:
        abort(404)
    args, errors = _list_args()
    page = supervised.ticket_page(provider_id, identity, args)
    return render_template(
        "console/supervision/tickets.html", current="supervision", page=page, args=args, errors=errors,
        values=request.args, provider_id=provider_id, provider_name=_provider_name(provider_id),
        sites=[(link.client_site_id, link.client_site_name) for link in links], labels=LABELS,
        sort_options=SORT_OPTIONS), 422 if errors else 200


@bp.route("/supervision/<int:provider_id>/tickets/<int:partner_ticket_id>")
def supervision_ticket(provider_id: int, partner_ticket_id: int):
    """属地监管：服务企业的一张工单及其流转记录（只读）。"""
    identity = _supervisor()
    ticket = supervised.ticket_detail(provider_id, partner_ticket_id, identity)
    for step in ticket["history"]:
        step["note"] = show_note(step["note"])  # a note the system wrote: in the reader's language
    return render_template("console/supervision/ticket.html", current="supervision", t=ticket,
                           provider_id=provider_id, provider_name=_provider_name(provider_id),
                           labels=LABELS)


# --- street-wide figures ---------------------------------------------------------------------------


def _quick_periods(today: date) -> list[tuple[str, date, date]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    first, last = this_month(today)
    return [(str(_l("This month")), first, last),
            (str(_l("Last month")), last_month_end.replace(day=1), last_month_end),
            (str(_l("This year")), today.replace(month=1, day=1), today)]


def _period():
    schema = PeriodArgs()
    data, errors = console_form(schema, form_values(schema, request.args))
    typed = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    if errors:
        return None, errors, typed
    return kpis.Period(data["first"], data["last"]), {}, {"from": data["first"].isoformat(),
                                                          "to": data["last"].isoformat()}


def _percent(rate: dict) -> float | None:
    return None if rate["value"] is None else round(rate["value"] * 100, 1)


def _chart(rows: list[dict]) -> dict:
    """Completion and 5341 compliance per row (community · organisation), as bars."""
    labels = [f"{row['community_name']} · {row['organisation_name']}" for row in rows]
    series = [(str(_l("Completion")), [_percent(r["completion_rate"]) for r in rows]),
              (str(_l("Arrived in time")), [_percent(r["arrive_sla_rate"]) for r in rows]),
              (str(_l("Resolved in time")), [_percent(r["resolve_sla_rate"]) for r in rows])]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "hideOverlap": True}},
        "yAxis": {"type": "value", "name": "%", "max": 100},
        "series": [{"type": "bar", "name": name, "data": data} for name, data in series],
    }


@bp.route("/supervision/street-figures")
def supervision_street_figures():
    """街道汇总：按社区、按服务单位（本单位与各服务企业）的工单指标对比。"""
    identity = _supervisor()
    period, errors, typed = _period()
    context = {"current": "street_figures", "errors": errors, "typed": typed,
               "quick": _quick_periods(clock.local_today()), "period": period, "organisation": ORGANISATION}
    if period is None:
        return render_template("console/supervision/street_figures.html", rows=[], chart=None, **context), 422
    figures = street.street_figures(identity, period)
    rows = figures["rows"]
    return render_template("console/supervision/street_figures.html", rows=rows,
                           chart=_chart(rows) if rows else None, **context)


@bp.route("/supervision/street-figures.xlsx")
def supervision_street_figures_xlsx():
    """导出街道汇总（Excel）：与 API 的导出相同。"""
    identity = _supervisor()
    period, errors, _typed = _period()
    if period is None:
        abort(422, errors=errors)
    return streetwide.street_figures_xlsx(identity, period)
