"""The console pages of the ledger area (on console.pages; the services, schemas and checks are
the API's: entries.py, gap.py, statements.py, routes_ledger.py).

Tab `entries` (收支): the entries of a period with their filters and totals, the form to record one
(fee manager), one entry with its correction and cancellation forms; the gap page (by site for a
chosen quarter: fee income against cost and how it was covered, a table and a chart).
Tab `statements` (公示): the ended quarters × the community and its sites with their state, the
draft button; one statement with its figures, versions and reasons, downloads, publish and
correct (fee manager). Entries are read by cashiers and the manager; the gap and the statements
by anyone who reads the community.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    attempt,
    console_form,
    current_identity,
    db,
    form_values,
    local_today,
    render_page,
    require_staff,
)

from . import entries, statements, vocab
from . import routes_ledger as api
from .access import is_cashier, is_manager, routed
from .console import choices, community, pages, query, sites
from .i18n import _
from .models import Entry, Statement
from .money import parse_yuan, yuan
from .periods import quarter_bounds

QUARTERS_SHOWN = 4


def _manager(community_id: int) -> bool:
    return is_manager(require_staff(), community_id)


def _require_cashier(community_id: int) -> None:
    if not is_cashier(require_staff(), community_id):
        abort(403)


def _require_manager(community_id: int) -> None:
    if not _manager(community_id):
        abort(403)


def _actor() -> str:
    return current_identity().username


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _site_choices(community_id: int) -> list[tuple[str, str]]:
    return [(str(s.id), s.name) for s in sites(community_id)]


def _category_choices() -> list[tuple[str, str]]:
    return [(code, f"{_('Income')} · {label}") for code, label in choices(vocab.INCOME_CATEGORIES)] + \
        [(code, f"{_('Spending')} · {label}") for code, label in choices(vocab.SPENDING_CATEGORIES)]


def _entry_values(schema) -> tuple[dict, dict]:
    """The form's values for the schema, the amount typed in yuan as fen; errors of the amount."""
    values = form_values(schema)
    errors = {}
    typed = request.form.get("amount", "").strip()
    if typed:
        try:
            values["amount_fen"] = parse_yuan(typed)
        except ValueError:
            errors["amount"] = [_("Type an amount in yuan, such as 1234.50.")]
    if "site_id" in values or "site_id" in request.form:
        values["site_id"] = request.form.get("site_id") or None
    if values.get("category") and not values.get("direction"):
        values["direction"] = "income" if values["category"] in vocab.INCOME_CATEGORIES else "spending"
    return values, errors


def _general(errors: dict, fields) -> dict:
    """Messages about fields the form does not have (a 409's `entry_id`, `figures`…) shown above it."""
    out, general = {}, list(errors.get("_", []))
    for key, messages in errors.items():
        if key == "_":
            continue
        if key in fields:
            out[key] = messages
        else:
            general += [m for m in messages if m not in general]
    if general:
        out["_"] = general
    return out


def _amount_errors(errors: dict) -> dict:
    if "amount_fen" in errors:
        errors = {**errors, "amount": errors.pop("amount_fen")}
    return errors


# --- entries -----------------------------------------------------------------------------------------


def _entries_page(community_id: int, values=None, errors: dict | None = None, status: int = 200):
    _require_cashier(community_id)
    args, problems = query(api.EntryQuery())
    page = api.entry_page(community_id, args, with_totals=True)
    return render_page("fees/entries_list.html", community=community(community_id), tab="entries", page=page,
                       args=args, problems=problems, manager=_manager(community_id),
                       sites=_site_choices(community_id), categories=_category_choices(),
                       directions=choices(vocab.ENTRY_DIRECTIONS), values=values or {},
                       errors=_general(errors or {}, {*entries.FIELDS, "amount"}),
                       today=local_today().isoformat()), status


@pages.route("/communities/<int:community_id>/entries", methods=["GET", "POST"])
def entries_list(community_id):
    """收支: the period's entries with their totals; the manager records one."""
    if request.method == "GET":
        return _entries_page(community_id)
    _require_manager(community_id)
    values, errors = _entry_values(api.EntryIn())
    data, more = console_form(api.EntryIn(), values)
    errors = {**_amount_errors(more), **errors}
    status = 422
    if not errors:
        done = attempt(lambda: entries.record(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The entry is recorded."), ".entries_entry", entry_id=done.result.id)
        errors, status = _amount_errors(done.errors), done.status
    return _entries_page(community_id, request.form, errors, status)


def _entry_page(entry: Entry, values=None, errors: dict | None = None, status: int = 200):
    _require_cashier(entry.community_id)
    shown = entries.entries_out([entry])[0]
    current = {"category": entry.category, "amount": yuan(entry.amount_fen), "occurred_on": entry.occurred_on.isoformat(),
               "site_id": str(entry.site_id or ""), "description": entry.description,
               "counterparty": entry.counterparty or "", "voucher_no": entry.voucher_no or ""}
    fields = {*entries.FIELDS, "amount", "reason", "cancel_reason", "cancel__"}
    return render_page("fees/entries_entry.html", community=community(entry.community_id), tab="entries", e=shown,
                       manager=_manager(entry.community_id), values=values or current,
                       errors=_general(errors or {}, fields),
                       sites=_site_choices(entry.community_id), categories=_category_choices()), status


@pages.route("/entries/<int:entry_id>")
def entries_entry(entry_id):
    """One entry; the manager corrects or cancels it."""
    return _entry_page(routed(Entry, entry_id))


@pages.route("/entries/<int:entry_id>/amend", methods=["POST"])
def entries_amend(entry_id):
    entry = routed(Entry, entry_id)
    _require_manager(entry.community_id)
    values, errors = _entry_values(api.EntryPatch())
    data, more = console_form(api.EntryPatch(), values)
    errors = {**_amount_errors(more), **errors}
    status = 422
    if not errors:
        done = attempt(lambda: entries.amend(entry_id, data, _actor()))
        if not done.errors:
            return _done(_("The entry is corrected."), ".entries_entry", entry_id=entry_id)
        errors, status = _amount_errors(done.errors), done.status
    return _entry_page(routed(Entry, entry_id), request.form, errors, status)


@pages.route("/entries/<int:entry_id>/cancel", methods=["POST"])
def entries_cancel(entry_id):
    entry = routed(Entry, entry_id)
    _require_manager(entry.community_id)
    data, errors = console_form(api.EntryCancelIn())
    status = 422
    if not errors:
        done = attempt(lambda: entries.cancel(entry_id, data["reason"], _actor()))
        if not done.errors:
            return _done(_("The entry is cancelled."), ".entries_entry", entry_id=entry_id)
        errors, status = done.errors, done.status
    return _entry_page(routed(Entry, entry_id), None, {"cancel_" + k: v for k, v in errors.items()}, status)


# --- the gap -----------------------------------------------------------------------------------------


def _ended_quarters(count: int) -> list[tuple[int, int]]:
    """The last `count` ended quarters, the latest first."""
    today = local_today()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _i in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append((year, quarter))
    return out


def _chart(report: dict) -> dict:
    """An ECharts option: per site, fee income and other income stacked against spending."""
    names = [row["site_name"] for row in report["sites"]]
    if any(report["community_wide"][k] for k in ("other_income_fen", "spending_fen")):
        names.append(_("The community as a whole"))
    rows = report["sites"] + ([report["community_wide"]] if len(names) > len(report["sites"]) else [])

    def series(name, key, stack):
        return {"name": name, "type": "bar", "stack": stack, "data": [row[key] / 100 for row in rows]}

    return {"tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 8, "top": 16, "bottom": 48, "containLabel": True},
            "xAxis": {"type": "category", "data": names}, "yAxis": {"type": "value", "name": _("yuan")},
            "series": [series(_("Fees received"), "fee_income_fen", "income"),
                       series(_("Other income"), "other_income_fen", "income"),
                       series(_("Spending"), "spending_fen", "spending")]}


@pages.route("/communities/<int:community_id>/gap")
def gap_page(community_id):
    """收支缺口: a quarter by site — fee income against cost, and how the gap was covered."""
    require_staff()
    quarters = _ended_quarters(8)
    default_year, default_quarter = quarters[0]
    year = request.args.get("year", type=int) or default_year
    quarter = request.args.get("quarter", type=int) or default_quarter
    problems = {}
    if not 2000 <= year <= 2099 or not 1 <= quarter <= 4:
        problems = {"quarter": [_("Choose a quarter.")]}
        year, quarter = default_year, default_quarter
    report = api.gap_report(community_id, {"year": year, "quarter": quarter})
    first, last = quarter_bounds(year, quarter)
    return render_page("fees/gap_quarter.html", community=community(community_id), tab="entries", report=report,
                       year=year, quarter=quarter, quarters=quarters, problems=problems, chart=_chart(report),
                       first=first, last=last, partial=last >= local_today())


# --- statements --------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/statements", methods=["GET", "POST"])
def statements_list(community_id):
    """公示: the ended quarters × the community and its sites, each with its statement's state."""
    require_staff()
    if request.method == "POST":
        _require_manager(community_id)
        data, errors = console_form(api.StatementDraftIn())
        if not errors:
            done = attempt(lambda: statements.draft(community_id, data["site_id"], data["year"], data["quarter"],
                                                    _actor()))
            if not done.errors:
                statement, drafted = done.result
                message = _("The draft is computed.") if drafted else _("The books have not changed since the draft.")
                return _done(message, ".statements_statement", statement_id=statement.id)
            errors = done.errors
        for messages in errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for(".statements_list", community_id=community_id), code=303)
    quarters = _ended_quarters(QUARTERS_SHOWN)
    scopes = [(None, _("The whole community"))] + [(s.id, s.name) for s in sites(community_id)]
    found = {(s.year, s.quarter, s.scope_key): s for s in db.session.scalars(select(Statement).where(
        Statement.community_id == community_id, Statement.year >= quarters[-1][0]))}
    shown = {s["id"]: s for s in statements.statements_out(list(found.values()))}
    grid = []
    for year, quarter in quarters:
        for site_id, name in scopes:
            statement = found.get((year, quarter, statements.scope_key(site_id)))
            grid.append({"year": year, "quarter": quarter, "site_id": site_id, "scope": name,
                         "statement": shown.get(statement.id) if statement else None})
    return render_page("fees/statements_list.html", community=community(community_id), tab="statements", grid=grid,
                       manager=_manager(community_id))


def _statement_page(statement: Statement, errors: dict | None = None, status: int = 200):
    require_staff()
    shown = api.statement_detail(statement)
    return render_page("fees/statements_statement.html", community=community(statement.community_id),
                       tab="statements", s=shown, manager=_manager(statement.community_id),
                       errors=_general(errors or {}, {"reason"}),
                       rows=_figure_rows(shown["figures"])), status


def _figure_rows(figures: dict | None) -> list[tuple]:
    from .statement_files import rows

    if not figures:
        return []
    raw = dict(figures)
    raw["other_income"] = {line["category"]: line["amount_fen"] for line in figures["other_income"]}
    raw["spending"] = {line["category"]: line["amount_fen"] for line in figures["spending"]}
    return rows(raw)


@pages.route("/statements/<int:statement_id>")
def statements_statement(statement_id):
    """One statement: its current figures, versions with their reasons, files, publish or correct."""
    return _statement_page(routed(Statement, statement_id))


@pages.route("/statements/<int:statement_id>/publish", methods=["POST"])
def statements_publish(statement_id):
    statement = routed(Statement, statement_id)
    _require_manager(statement.community_id)
    data, errors = console_form(api.StatementPublishIn())
    status = 422
    if not errors:
        done = attempt(lambda: statements.publish(statement_id, _actor(), data.get("version")))
        if not done.errors:
            return _done(_("The statement is published: residents see it on their phones."),
                         ".statements_statement", statement_id=statement_id)
        errors, status = done.errors, done.status
    return _statement_page(routed(Statement, statement_id), errors, status)


@pages.route("/statements/<int:statement_id>/correct", methods=["POST"])
def statements_correct(statement_id):
    statement = routed(Statement, statement_id)
    _require_manager(statement.community_id)
    data, errors = console_form(api.StatementCorrectIn())
    status = 422
    if not errors:
        done = attempt(lambda: statements.correct(statement_id, data["reason"], _actor()))
        if not done.errors:
            return _done(_("The correction is published as the next version."), ".statements_statement",
                         statement_id=statement_id)
        errors, status = done.errors, done.status
    return _statement_page(routed(Statement, statement_id), errors, status)


@pages.route("/statements/<int:statement_id>/statement.xlsx")
def statements_xlsx(statement_id):
    require_staff()
    return statements.download(routed(Statement, statement_id), "xlsx", request.args.get("version", type=int))


@pages.route("/statements/<int:statement_id>/statement.docx")
def statements_docx(statement_id):
    require_staff()
    return statements.download(routed(Statement, statement_id), "docx", request.args.get("version", type=int))

