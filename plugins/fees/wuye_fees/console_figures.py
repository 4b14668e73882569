"""The console pages of the figures area (tab `collection`; see console.py):

- `/communities/<id>/collection?year=`   收缴率 by site × month (rates and amounts), a chart, the
                                          arrears' ageing, the Excel export (anyone who reads)
- `/communities/<id>/collection.xlsx`     the export (figures.download)
- `/communities/<id>/reminders`           who is due a reminder, the texts' button, a reminder
                                          made by hand, the reminders made (cashiers, the manager)
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    attempt,
    console_form,
    db,
    local_today,
    render_page,
    require_staff,
    show_note,
    staff_names,
)

from . import figures, reminders, vocab
from .access import require_cashier
from .console import community, pages, query
from .i18n import _
from .models import Reminder
from .routes_figures import CollectionYearQuery, ReminderManualIn

RECENT_REMINDERS = 30


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def chart(data: dict) -> dict:
    """The ECharts option: the collection rate per month, one line per site and the community's."""
    months = [str(m) for m in figures.MONTHS]
    series = [{"type": "line", "name": row.name, "connectNulls": False,
               "data": [_percent(row.months[m].rate) for m in figures.MONTHS]} for row in data["sites"]]
    series.append({"type": "bar", "name": _("All sites"),
                   "data": [_percent(data["months"][m].rate) for m in figures.MONTHS]})
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": months, "name": _("Month")},
        "yAxis": {"type": "value", "name": "%", "max": 100},
        "series": series,
    }


@pages.route("/communities/<int:community_id>/collection")
def collection_page(community_id):
    require_staff()
    args, problems = query(CollectionYearQuery())
    year = args.get("year") or local_today().year
    data = figures.collection(community_id, year)
    return render_page("fees/collection_page.html", community=community(community_id), tab="collection",
                       data=data, ageing=figures.ageing(community_id), year=year, months=figures.MONTHS,
                       chart=chart(data) if data["total"].bills else None, problems=problems,
                       years=list(range(local_today().year, local_today().year - 6, -1)))


@pages.route("/communities/<int:community_id>/collection.xlsx")
def collection_xlsx(community_id):
    require_staff()
    args, _problems = query(CollectionYearQuery())
    return figures.download(community_id, args.get("year") or local_today().year)


# --- reminders ----------------------------------------------------------------------------------------


def _reminders_page(community_id: int, errors: dict | None = None, form=None, status: int = 200):
    due = reminders.due(community_id)
    made = list(db.session.scalars(select(Reminder).where(Reminder.community_id == community_id)
                                   .order_by(Reminder.sent_at.desc(), Reminder.id.desc()).limit(RECENT_REMINDERS)))
    names = staff_names({r.sent_by for r in made})
    labels = {r["fee_unit_id"]: r["label"] for r in due}
    conf = reminders.settings(community_id)
    return render_page("fees/reminders_page.html", community=community(community_id), tab="collection", due=due,
                       made=made, names=names, labels=labels, conf=conf, errors=errors or {}, form=form or {},
                       channels=[(c, vocab.label(vocab.REMINDER_CHANNELS, c)) for c in reminders.MANUAL_CHANNELS],
                       channel_label=lambda c: vocab.label(vocab.REMINDER_CHANNELS, c),
                       result_label=lambda c: vocab.label(reminders.RESULTS, c), note=show_note,
                       owed=sum(r["owed_fen"] for r in due)), status


@pages.route("/communities/<int:community_id>/reminders")
def reminders_page(community_id):
    require_cashier(community_id)
    return _reminders_page(community_id)


@pages.route("/communities/<int:community_id>/reminders/send", methods=["POST"])
def reminders_send(community_id):
    identity = require_cashier(community_id)
    started = reminders.start(community_id, identity.username)
    if started["queued"]:
        flash(_("Reminders are being sent to the households due one (%(n)s units).", n=started["due"]), "success")
    else:
        flash(_("The job queue is unavailable; please try again later."), "error")
    return redirect(url_for(".reminders_page", community_id=community_id), code=303)


@pages.route("/communities/<int:community_id>/reminders", methods=["POST"])
def reminders_manual(community_id):
    identity = require_cashier(community_id)
    data, errors = console_form(ReminderManualIn())
    status = 422
    if not errors:
        _done, errors, status = attempt(lambda: reminders.record_manual(
            community_id, data["fee_unit_id"], data["channel"], data.get("note"), identity.username))
    if errors:
        return _reminders_page(community_id, errors, request.form, status)
    flash(_("The reminder is recorded."), "success")
    return redirect(url_for(".reminders_page", community_id=community_id), code=303)
