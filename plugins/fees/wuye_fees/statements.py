"""季度物业费收支公示: the quarterly statement of income and spending of a site (or the community
as a whole), published to residents through the core's public disclosures, and corrected by new
versions that keep the earlier ones.

- **Figures** (`compute`): gap.py for the quarter — fee income (the payments journal, refunds
  negative), the quarter's bills and their collection rate, other income by category, spending
  by category, the gap and how it was covered, the balance — with the scope's and the quarter's
  names. A quarter not yet ended is a 422 `quarter` (its books are still open).
- **One statement per scope and quarter** (unique on community + scope_key + year + quarter); its
  versions (`StatementVersion`) are append-only: what a version says stays what it said.
- **Drafts.** `draft` makes the statement and its version 1 (stage "draft"): the figures of the
  books now, for the manager to read (the files can be downloaded) before publishing. A draft is
  version N until published: drafting again before publication replaces nothing — when the books
  are unchanged nothing is written; when they changed (an entry, a payment since), the new figures
  are appended as version N+1 (stage "draft"), and the draft is now that version.
- **Publication** (`publish`): the current version, exactly as the manager read it, becomes
  disclosure version 1 (`publish_disclosure`, kind income_spending, the quarter as its period,
  from today for `statement_publish_days`, with the .xlsx and the .docx, in Chinese — the
  residents' language — whoever publishes). If the books changed since the draft was computed,
  publication is refused (409 `figures`): draft again, read, publish — so what is published is
  what was read and what the books said at publication.
- **Corrections** (`correct`, with a reason residents read): the figures recomputed from the books
  as they are now (a cancelled entry, a new one, a late refund), appended as version N+1 (stage
  "correction") and published as the disclosure's next version (`correct_disclosure`, API 1.13)
  with new files. Unchanged books: 409 `figures` (nothing to correct). When staff withdrew the
  disclosure in the core (the console's disclosures), the correction is published as a new one.
- The disclosure's own state (`disclosure_status`: current, scheduled, ended, withdrawn — the
  core's `disclosure_info`) is shown with one statement; lists show the plugin's state only.
- A version's number in the disclosure: the first published version is the last draft; each
  correction is the disclosure's next version (`versions_out` gives `disclosure_version`).

Entries of a published quarter are not edited (entries.amend: 409): they are cancelled and
recorded anew, then the statement is corrected. Services commit nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    Community,
    Site,
    correct_disclosure,
    db,
    disclosure_info,
    get_for_update,
    invalid,
    local_today,
    plugin_config,
    publish_disclosure,
    staff_names,
    use_locale,
)

from . import gap, vocab
from .access import NAME
from .entries import check_site, conflict
from .i18n import N_, _
from .models import Statement, StatementVersion
from .periods import quarter_bounds

FIRST_YEAR = 2000
PUBLISHED_LOCALE = "zh_CN"  # the files and the summary residents read
DRAFT, CORRECTION = "draft", "correction"


def scope_key(site_id: int | None) -> str:
    return f"site:{site_id}" if site_id is not None else "community"


def check_quarter(year: int, quarter: int) -> tuple[date, date]:
    """The quarter's days, if it has ended (Beijing); else 422 `quarter`."""
    if not 1 <= quarter <= 4:
        invalid("quarter", N_("A quarter is 1, 2, 3 or 4."))
    if not FIRST_YEAR <= year <= 2099:
        invalid("year", N_("Choose a year from 2000 to 2099."))
    first, last = quarter_bounds(year, quarter)
    if last >= local_today():
        invalid("quarter", N_("The quarter has not ended yet: its statement is made after its last day."))
    return first, last


def place_names(community_id: int, site_id: int | None) -> tuple[str, str | None]:
    community = db.session.get(Community, community_id)
    site = db.session.get(Site, site_id) if site_id is not None else None
    return community.name, site.name if site is not None else None


def compute(community_id: int, site_id: int | None, year: int, quarter: int) -> dict:
    """The quarter's figures for the scope, as a version stores them (JSON: codes, ints, ISO dates)."""
    first, last = quarter_bounds(year, quarter)
    community_name, site_name = place_names(community_id, site_id)
    found = gap.figures(community_id, first, last, site_id)
    return _json({"year": year, "quarter": quarter, "period_start": first, "period_end": last,
                  "community_name": community_name, "site_name": site_name, **found})


def _json(value: dict) -> dict:
    """As the JSON column gives it back (dates as text), so figures compare alike."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _numbers(figures: dict) -> dict:
    """What a version says, without its bookkeeping (its stage, its publication period)."""
    return {k: v for k, v in figures.items() if k not in ("stage", "publish_from", "publish_until")}


def current_version(statement: Statement) -> StatementVersion:
    return db.session.scalar(select(StatementVersion).where(StatementVersion.statement_id == statement.id,
                                                            StatementVersion.version == statement.version))


def _add_version(statement: Statement, figures: dict, by: str, reason: str | None = None) -> StatementVersion:
    row = StatementVersion(community_id=statement.community_id, statement_id=statement.id,
                           version=statement.version, figures=figures, reason=reason, made_by=by)
    db.session.add(row)
    db.session.flush()
    return row


def draft(community_id: int, site_id: int | None, year: int, quarter: int, by: str) -> tuple[Statement, bool]:
    """The quarter's statement of the scope as a draft; returns it and whether a version was
    written (False: the books had not changed since the current draft). 409 `quarter` when it
    has been published (correct it instead)."""
    check_site(community_id, site_id)
    check_quarter(year, quarter)
    key = scope_key(site_id)
    where = (Statement.community_id == community_id, Statement.scope_key == key, Statement.year == year,
             Statement.quarter == quarter)
    found_id = db.session.scalar(select(Statement.id).where(*where))
    if found_id is None:
        statement = Statement(community_id=community_id, site_id=site_id, scope_key=key, year=year,
                              quarter=quarter, version=1, status="draft", created_by=by)
        try:
            with db.session.begin_nested():
                db.session.add(statement)
                db.session.flush()
        except IntegrityError:  # drafted by someone else this moment: theirs is the statement
            found_id = db.session.scalar(select(Statement.id).where(*where))
        else:
            _add_version(statement, {**compute(community_id, site_id, year, quarter), "stage": DRAFT}, by)
            return statement, True
    statement = get_for_update(Statement, found_id)
    if statement.status != "draft":
        raise conflict("quarter", N_("This quarter's statement has been published: correct it instead."))
    figures = compute(community_id, site_id, year, quarter)
    if _numbers(current_version(statement).figures) == figures:
        return statement, False
    statement.version += 1
    _add_version(statement, {**figures, "stage": DRAFT}, by)
    return statement, True


def _locked(statement_id: int) -> Statement:
    statement = get_for_update(Statement, statement_id)
    if statement is None:
        invalid("statement_id", N_("Does not exist."))
    return statement


def _publication(community_id: int, today: date) -> tuple[date, date]:
    days = plugin_config(NAME, community_id).get("statement_publish_days", 30)
    return today, today + timedelta(days=days)


def title(figures: dict) -> str:
    """「××小区 2026 年第 3 季度物业服务费收支情况公示」 in the current language."""
    return _("%(place)s %(year)s Q%(quarter)s property service fees: income and spending statement",
             place=figures.get("site_name") or figures["community_name"], year=figures["year"],
             quarter=figures["quarter"])


def summary(figures: dict) -> str:
    """A few lines residents read on their phones before opening the files."""
    from .money import yuan

    lines = [_("Fee income %(fee)s yuan (collection rate of the quarter's bills %(rate)s).",
               fee=yuan(figures["fee_income_fen"], True), rate=_percent(figures["collection_rate"]))]
    if figures["other_income"]:
        parts = "、".join(f"{vocab.label(vocab.INCOME_CATEGORIES, c)} {yuan(f, True)}"
                         for c, f in figures["other_income"].items())
        lines.append(_("Other income %(total)s yuan: %(parts)s.", total=yuan(figures["other_income_fen"], True),
                       parts=parts))
    lines.append(_("Spending %(total)s yuan.", total=yuan(figures["spending_fen"], True)))
    if figures["balance_fen"] >= 0:
        lines.append(_("Surplus %(amount)s yuan.", amount=yuan(figures["balance_fen"], True)))
    else:
        lines.append(_("Deficit %(amount)s yuan.", amount=yuan(-figures["balance_fen"], True)))
    return "\n".join(lines)


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _files(statement: Statement, figures: dict) -> list[tuple[str, bytes]]:
    from .statement_files import docx_bytes, file_stem, xlsx_bytes

    stem = file_stem(figures, statement.version)
    return [(f"{stem}.xlsx", xlsx_bytes(figures, statement.version, statement.community_id)),
            (f"{stem}.docx", docx_bytes(figures, statement.version, statement.community_id))]


def publish(statement_id: int, by: str, version: int | None = None) -> Statement:
    """Publish the draft's current version to the residents (a disclosure of the community or the
    site). 409: published already, `version` not the current one, or the books changed since."""
    statement = _locked(statement_id)
    if statement.status != "draft":
        raise conflict("statement_id", N_("This statement has been published already: correct it instead."))
    if version is not None and version != statement.version:
        raise conflict("version", N_("The draft has changed since you read it: read version %(version)s and publish it.",
                          version=statement.version))
    row = current_version(statement)
    if compute(statement.community_id, statement.site_id, statement.year, statement.quarter) != _numbers(row.figures):
        raise conflict("figures", N_("The books have changed since this draft was computed: draft it again, read it, then "
                          "publish it."))
    today = local_today()
    publish_from, publish_until = _publication(statement.community_id, today)
    figures = {**row.figures, "publish_from": publish_from.isoformat(), "publish_until": publish_until.isoformat()}
    with use_locale(PUBLISHED_LOCALE):
        heading, text, files = title(figures), summary(figures), _files(statement, figures)
    statement.disclosure_id = publish_disclosure(
        statement.community_id, kind="income_spending", title=heading, summary=text,
        period_start=date.fromisoformat(figures["period_start"]), period_end=date.fromisoformat(figures["period_end"]),
        publish_from=publish_from, publish_until=publish_until, site_id=statement.site_id, files=files, by=by)
    statement.status, statement.published_by, statement.published_at = "published", by, datetime.now(UTC)
    db.session.flush()
    return statement


def correct(statement_id: int, reason: str, by: str) -> Statement:
    """Recompute a published statement from the books, as version N+1, published as the
    disclosure's next version with `reason`. 409 when not published, or when nothing changed."""
    statement = _locked(statement_id)
    reason = (reason or "").strip()
    if not reason:
        invalid("reason", N_("Say why the statement is corrected: residents read it."))
    if statement.status != "published" or statement.disclosure_id is None:
        raise conflict("statement_id", N_("Only a published statement is corrected; publish the draft."))
    figures = compute(statement.community_id, statement.site_id, statement.year, statement.quarter)
    if figures == _numbers(current_version(statement).figures):
        raise conflict("figures", N_("The books say what version %(version)s says: there is nothing to correct.",
                          version=statement.version))
    info = disclosure_info(statement.disclosure_id)
    statement.version += 1
    figures = {**figures, "stage": CORRECTION}
    withdrawn = info is None or info.status == "withdrawn"
    if withdrawn:  # staff withdrew the disclosure in the core: the correction is published anew
        publish_from, publish_until = _publication(statement.community_id, local_today())
    else:
        publish_from, publish_until = info.publish_from, info.publish_until
    figures.update(publish_from=publish_from.isoformat(), publish_until=publish_until.isoformat())
    with use_locale(PUBLISHED_LOCALE):
        heading, text, files = title(figures), summary(figures), _files(statement, figures)
    if withdrawn:
        statement.disclosure_id = publish_disclosure(
            statement.community_id, kind="income_spending", title=heading, summary=text,
            period_start=date.fromisoformat(figures["period_start"]),
            period_end=date.fromisoformat(figures["period_end"]), publish_from=publish_from,
            publish_until=publish_until, site_id=statement.site_id, files=files, by=by)
    else:
        correct_disclosure(statement.disclosure_id, reason=reason, title=heading, summary=text, files=files, by=by)
    _add_version(statement, figures, by, reason=reason)
    statement.published_by, statement.published_at = by, datetime.now(UTC)
    db.session.flush()
    return statement


def download(statement: Statement, ext: str, version: int | None = None):
    """A version's file (the current one by default), in the reader's language: a draft's says so;
    a published version's gives its publication period. 422 `version` for none such."""
    from wuye_core.plugins import XLSX, download_name, download_response

    from .statement_files import DOCX, docx_bytes, file_stem, xlsx_bytes

    number = version or statement.version
    row = db.session.scalar(select(StatementVersion).where(StatementVersion.statement_id == statement.id,
                                                           StatementVersion.version == number))
    if row is None:
        invalid("version", N_("No such version."), location="query")
    figures = dict(row.figures)
    published = next((v for v in versions_out(statement, versions([statement.id])[statement.id], {})
                      if v["version"] == number), {}).get("disclosure_version")
    if published and not figures.get("publish_from") and statement.disclosure_id:
        info = disclosure_info(statement.disclosure_id)
        if info is not None:
            figures.update(publish_from=info.publish_from.isoformat(), publish_until=info.publish_until.isoformat())
    stem = file_stem(figures, number)
    if ext == "xlsx":
        content, mimetype = xlsx_bytes(figures, number, statement.community_id), XLSX
    else:
        content, mimetype = docx_bytes(figures, number, statement.community_id), DOCX
    ascii_name = download_name("fees-statement", statement.community_id, f"{statement.year}Q{statement.quarter}",
                               statement.scope_key.replace(":", ""), f"v{number}", ext=ext)
    return download_response(content, ascii_name, f"{stem}.{ext}", mimetype)


# --- for people -------------------------------------------------------------------------------------


def versions(statement_ids: list[int]) -> dict[int, list[StatementVersion]]:
    """Each statement's versions, oldest first (one query)."""
    out: dict[int, list[StatementVersion]] = {sid: [] for sid in statement_ids}
    if statement_ids:
        for row in db.session.scalars(select(StatementVersion).where(StatementVersion.statement_id.in_(statement_ids))
                                      .order_by(StatementVersion.statement_id, StatementVersion.version)):
            out[row.statement_id].append(row)
    return out


def versions_out(statement: Statement, rows: list[StatementVersion], people: dict) -> list[dict]:
    """The versions with what became of each: a draft superseded, the one first published (the
    disclosure's version 1), the corrections (its next versions)."""
    drafts = [r.version for r in rows if r.figures.get("stage", DRAFT) == DRAFT]
    first_published = max(drafts) if statement.status != "draft" and drafts else None
    out = []
    for r in rows:
        published_as = r.version - first_published + 1 if first_published and r.version >= first_published else None
        out.append({"version": r.version, "stage": r.figures.get("stage", DRAFT), "reason": r.reason,
                    "made_by": r.made_by, "made_by_name": people.get(r.made_by, r.made_by), "made_at": r.made_at,
                    "disclosure_version": published_as, "current": r.version == statement.version,
                    "figures": gap.labelled(r.figures)})
    return out


def statements_out(statements: list[Statement], with_versions: bool = False) -> list[dict]:
    """Statements as the API and the console show them (a fixed number of queries)."""
    ids = [s.id for s in statements]
    rows = versions(ids)
    site_ids = {s.site_id for s in statements if s.site_id is not None}
    site_names = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) \
        if site_ids else {}
    people = staff_names({s.created_by for s in statements} | {s.published_by for s in statements if s.published_by}
                         | {r.made_by for found in rows.values() for r in found})
    out = []
    for s in statements:
        current = next((r for r in rows[s.id] if r.version == s.version), None)
        item = {
            "id": s.id, "community_id": s.community_id, "site_id": s.site_id,
            "site_name": site_names.get(s.site_id) if s.site_id is not None else None,
            "scope_key": s.scope_key, "year": s.year, "quarter": s.quarter, "label": f"{s.year}Q{s.quarter}",
            "version": s.version, "status": s.status, "status_label": vocab.label(vocab.STATEMENT_STATUSES, s.status),
            "disclosure_id": s.disclosure_id, "published_by": s.published_by,
            "published_by_name": people.get(s.published_by) if s.published_by else None,
            "published_at": s.published_at, "created_by": s.created_by,
            "created_by_name": people.get(s.created_by, s.created_by), "created_at": s.created_at,
            "title": title(current.figures) if current else "",
            "figures": gap.labelled(current.figures) if current else None,
        }
        if with_versions:
            item["versions"] = versions_out(s, rows[s.id], people)
            info = disclosure_info(s.disclosure_id) if s.disclosure_id is not None else None
            item["disclosure_status"] = info.status if info is not None else None
        out.append(item)
    return out


def stale(statement: Statement) -> bool:
    """Whether the books no longer say what the current version says (a draft to compute again,
    a published statement to correct)."""
    row = current_version(statement)
    return compute(statement.community_id, statement.site_id, statement.year, statement.quarter) != \
        _numbers(row.figures)


def list_query(community_id: int, args: dict):
    clauses = [Statement.community_id == community_id]
    if args.get("year"):
        clauses.append(Statement.year == args["year"])
    if args.get("quarter"):
        clauses.append(Statement.quarter == args["quarter"])
    if args.get("status"):
        clauses.append(Statement.status == args["status"])
    if "site_id" in args and args["site_id"] is not None:
        clauses.append(Statement.scope_key == ("community" if args["site_id"] == 0 else f"site:{args['site_id']}"))
    return select(Statement).where(*clauses)
