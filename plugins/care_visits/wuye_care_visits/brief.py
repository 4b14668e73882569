"""简报: the figures of a period (SQL aggregates), the Word brief and the Excel ledger, the job.

Everything is counted in the database (GROUP BY, sums over bit masks), never by loading visits:
60,000 visits are a handful of aggregate queries. Only the recommendations are read as text
(at most `MAX_RECOMMENDATIONS` of them, decrypted one by one).

The files are stored without the exporter: a placeholder stands where the watermark goes (page
header and footer, first line), and each download writes the downloader's name and time into a
copy (`stamp`), so every copy says who took it.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from xml.sax.saxutils import escape

from sqlalchemy import and_, case, func, or_, select

from wuye_core.plugins import Community, Resident, XlsxWriter, db, get_for_update, services, use_locale

from . import vocab
from .access import mask_name
from .i18n import N_, _
from .models import CareBrief, CarePerson, CarePlanItem, CareReferral, CareVisit

PLACEHOLDER = "WUYE-CARE-WATERMARK"
MAX_RECOMMENDATIONS = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The visit counts of `compute_figures`, as the ledger's summary names them.
VISIT_FIGURES = {
    "planned": N_("Visits planned"),
    "made": N_("Visits made (at home)"),
    "attempts": N_("Visits attempted"),
    "not_home": N_("Not at home"),
    "refused": N_("Visit refused"),
    "people_visited": N_("People visited"),
    "high_risk_visits": N_("Visits that found a high risk"),
    "helped_visits": N_("Visits that gave help"),
}


def _flag_sums(column, vocabulary: dict):
    return [
        func.coalesce(func.sum(case((column.op("&")(1 << i) != 0, 1), else_=0)), 0)
        for i in range(len(vocabulary))
    ]


def _scope(model, community_id: int | None):
    return [model.community_id == community_id] if community_id else []


def _visit_counts(community_id: int | None, start: date, end: date) -> dict:
    base = [*_scope(CareVisit, community_id), CareVisit.visited_on >= start, CareVisit.visited_on <= end]
    made = CareVisit.outcome == "visited"
    any_high = or_(*(getattr(CareVisit, f"risk_{k}") == "high" for k in vocab.RISKS))
    row = db.session.execute(
        select(
            func.count(CareVisit.id),
            func.coalesce(func.sum(case((made, 1), else_=0)), 0),
            func.coalesce(func.sum(case((CareVisit.outcome == "not_home", 1), else_=0)), 0),
            func.coalesce(func.sum(case((CareVisit.outcome == "refused", 1), else_=0)), 0),
            func.count(func.distinct(case((made, CareVisit.person_id)))),
            func.coalesce(func.sum(case((and_(made, any_high), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(made, CareVisit.help_flags != 0), 1), else_=0)), 0),
            *_flag_sums(CareVisit.need_flags, vocab.NEEDS),
            *_flag_sums(CareVisit.help_flags, vocab.HELP),
        ).where(*base)
    ).one()
    n_needs = len(vocab.NEEDS)
    out = {
        "attempts": int(row[0]),
        "made": int(row[1]),
        "not_home": int(row[2]),
        "refused": int(row[3]),
        "people_visited": int(row[4]),
        "high_risk_visits": int(row[5]),
        "helped_visits": int(row[6]),
        "needs": dict(zip(vocab.NEEDS, map(int, row[7 : 7 + n_needs]), strict=True)),
        "help": dict(zip(vocab.HELP, map(int, row[7 + n_needs :]), strict=True)),
    }
    risks = {}
    for key in vocab.RISKS:
        column = getattr(CareVisit, f"risk_{key}")
        counts = dict(
            db.session.execute(
                select(column, func.count(CareVisit.id)).where(*base, made).group_by(column)
            ).all()
        )
        risks[key] = {level: int(counts.get(level, 0)) for level in vocab.RISK_LEVELS}
    out["risks"] = risks
    return out


def compute_figures(community_id: int | None, start: date, end: date) -> dict:
    length = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=length - 1)
    current, previous = (
        _visit_counts(community_id, start, end),
        _visit_counts(community_id, prev_start, prev_end),
    )

    planned = (
        db.session.scalar(
            select(func.count(CarePlanItem.id)).where(
                *_scope(CarePlanItem, community_id), CarePlanItem.due_on >= start, CarePlanItem.due_on <= end
            )
        )
        or 0
    )
    people_where = [
        *_scope(CarePerson, community_id),
        CarePerson.active.is_(True),
        CarePerson.erased_at.is_(None),
    ]
    by_level = dict(
        db.session.execute(
            select(CarePerson.level, func.count(CarePerson.id))
            .where(*people_where)
            .group_by(CarePerson.level)
        ).all()
    )
    type_row = db.session.execute(
        select(func.count(CarePerson.id), *_flag_sums(CarePerson.difficulty_flags, vocab.DIFFICULTIES)).where(
            *people_where
        )
    ).one()
    referral_rows = db.session.execute(
        select(CareReferral.body, CareReferral.status, func.count(CareReferral.id))
        .where(
            *_scope(CareReferral, community_id),
            CareReferral.referred_on >= start,
            CareReferral.referred_on <= end,
        )
        .group_by(CareReferral.body, CareReferral.status)
    ).all()
    referrals = {body: {state: 0 for state in vocab.REFERRAL_STATES} for body in vocab.BODIES}
    for body, state, count in referral_rows:
        referrals[body][state] = int(count)
    open_referrals = (
        db.session.scalar(
            select(func.count(CareReferral.id)).where(
                *_scope(CareReferral, community_id), CareReferral.status.in_(("open", "accepted"))
            )
        )
        or 0
    )

    problems = sorted(
        (
            {
                "code": code,
                "count": current["needs"][code],
                "previous": previous["needs"][code],
                "change": current["needs"][code] - previous["needs"][code],
            }
            for code in vocab.NEEDS
            if current["needs"][code] or previous["needs"][code]
        ),
        key=lambda p: (-p["count"], p["code"]),
    )
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_period": {"start": prev_start.isoformat(), "end": prev_end.isoformat()},
        "visits": {
            "planned": int(planned),
            **{
                k: current[k]
                for k in (
                    "made",
                    "attempts",
                    "not_home",
                    "refused",
                    "people_visited",
                    "high_risk_visits",
                    "helped_visits",
                )
            },
        },
        "people": {
            "total": int(type_row[0]),
            "by_level": {lv: int(by_level.get(lv, 0)) for lv in vocab.LEVELS},
            "by_type": dict(zip(vocab.DIFFICULTIES, map(int, type_row[1:]), strict=True)),
        },
        "risks": current["risks"],
        "help": current["help"],
        "referrals": {
            "by_body": referrals,
            "open_now": int(open_referrals),
            "resolved": sum(r["resolved"] for r in referrals.values()),
            "total": sum(sum(r.values()) for r in referrals.values()),
        },
        "common_problems": problems,
        "trends": {
            "made": {"current": current["made"], "previous": previous["made"]},
            "high_risk_visits": {
                "current": current["high_risk_visits"],
                "previous": previous["high_risk_visits"],
            },
            "not_home_or_refused": {
                "current": current["not_home"] + current["refused"],
                "previous": previous["not_home"] + previous["refused"],
            },
        },
    }


def recommendations(community_id: int | None, start: date, end: date, figures: dict) -> list[str]:
    """Suggestions from the figures, then the visitors' own recommendations (帮扶建议) of the period."""
    out = []
    visits = figures["visits"]
    if visits["planned"] and visits["made"] < visits["planned"]:
        out.append(_("%(planned)s visits were planned and %(made)s made: visit the people not yet seen.",
                     planned=visits["planned"], made=visits["made"]))
    if figures["referrals"]["open_now"]:
        out.append(_("%(open)s referrals are still open: follow them up with the bodies concerned.",
                     open=figures["referrals"]["open_now"]))
    if figures["common_problems"]:
        top = figures["common_problems"][0]
        out.append(_("The most frequent problem is “%(problem)s” (%(count)s times): connect the matching resources.",
                     problem=vocab.label(vocab.NEEDS, top["code"]), count=top["count"]))
    if visits["high_risk_visits"]:
        out.append(_("%(count)s visits found a high risk: visit more often, by level.",
                     count=visits["high_risk_visits"]))
    texts = db.session.scalars(
        select(CareVisit.recommendation)
        .where(
            *_scope(CareVisit, community_id),
            CareVisit.visited_on >= start,
            CareVisit.visited_on <= end,
            CareVisit.recommendation.is_not(None),
        )
        .order_by(CareVisit.visited_on.desc(), CareVisit.id.desc())
        .limit(MAX_RECOMMENDATIONS)
    ).all()
    seen = set()
    for text in texts:
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    return out


# --- files ------------------------------------------------------------------------------------


def write_docx(title: str, figures: dict) -> bytes:
    from docx import Document

    doc = Document()
    for part in (doc.sections[0].header, doc.sections[0].footer):
        part.paragraphs[0].text = PLACEHOLDER
    doc.add_heading(title, level=1)
    doc.add_paragraph(PLACEHOLDER)
    period = figures["period"]
    doc.add_paragraph(
        _("Period: %(start)s to %(end)s (previous period %(previous_start)s to %(previous_end)s)",
          start=period["start"], end=period["end"], previous_start=figures["previous_period"]["start"],
          previous_end=figures["previous_period"]["end"])
    )

    v = figures["visits"]
    doc.add_heading(_("1. Visits made"), level=2)
    _table(
        doc,
        [_("Item"), _("This period")],
        [
            [_("Visits planned"), v["planned"]],
            [_("Visits made (at home)"), v["made"]],
            [_("Not at home"), v["not_home"]],
            [_("Visit refused"), v["refused"]],
            [_("People visited"), v["people_visited"]],
            [_("Visits that gave help"), v["helped_visits"]],
        ],
    )
    doc.add_heading(_("2. People in care (by level, by difficulty)"), level=2)
    people = figures["people"]
    _table(
        doc, [_("Level"), _("People")],
        [[lv, n] for lv, n in people["by_level"].items()] + [[_("Total"), people["total"]]]
    )
    _table(doc, [_("Difficulty"), _("People")],
           [[vocab.label(vocab.DIFFICULTIES, k), n] for k, n in people["by_type"].items()])
    doc.add_heading(_("3. Risk assessment"), level=2)
    _table(
        doc,
        [_("Risk"), *(vocab.label(vocab.RISK_LABELS, lv) for lv in vocab.RISK_LEVELS)],
        [[vocab.label(vocab.RISKS, k), *(figures["risks"][k][lv] for lv in vocab.RISK_LEVELS)] for k in vocab.RISKS],
    )
    doc.add_heading(_("4. Help given"), level=2)
    _table(doc, [_("Help"), _("Times")], [[vocab.label(vocab.HELP, k), n] for k, n in figures["help"].items()])
    doc.add_heading(_("5. Referrals and their outcomes"), level=2)
    _table(
        doc,
        [_("Body"), *(vocab.label(vocab.REFERRAL_STATES, s) for s in vocab.REFERRAL_STATES)],
        [
            [vocab.label(vocab.BODIES, b), *(row[s] for s in vocab.REFERRAL_STATES)]
            for b, row in figures["referrals"]["by_body"].items()
        ],
    )
    doc.add_paragraph(_("Referrals still open: %(count)s.", count=figures["referrals"]["open_now"]))
    doc.add_heading(_("6. Common problems and trends (against the previous period)"), level=2)
    _table(
        doc,
        [_("Problem"), _("This period"), _("Previous period"), _("Change")],
        [[vocab.label(vocab.NEEDS, p["code"]), p["count"], p["previous"], f"{p['change']:+d}"]
         for p in figures["common_problems"]],
    )
    t = figures["trends"]
    doc.add_paragraph(
        _("Visits made at home: %(made)s (previous %(made_before)s); high risks: %(high)s (previous "
          "%(high_before)s); not at home or refused: %(missed)s (previous %(missed_before)s).",
          made=t["made"]["current"], made_before=t["made"]["previous"], high=t["high_risk_visits"]["current"],
          high_before=t["high_risk_visits"]["previous"], missed=t["not_home_or_refused"]["current"],
          missed_before=t["not_home_or_refused"]["previous"])
    )
    doc.add_heading(_("7. Recommendations"), level=2)
    for text in figures.get("recommendations", []):
        doc.add_paragraph(text, style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, header: list, rows: list) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def write_xlsx(title: str, figures: dict, community_id: int | None, start: date, end: date) -> bytes:
    """The ledger (台账): a summary sheet and one row per person, names masked, counted by SQL.
    Names and communities are user text: `XlsxWriter` keeps them text ("=…" is no formula)."""
    book = XlsxWriter()
    # Printed: the watermark at the top of each page and in the repeated first rows (title_rows),
    # the page numbers at the bottom (XlsxWriter's print setup).
    summary = book.sheet(_("Summary"), widths=[36, 14, 14], wrap=[1], title_rows=2, page_header=PLACEHOLDER)
    summary.append([PLACEHOLDER])
    summary.append([title])
    summary.append([_("Period"), figures["period"]["start"], figures["period"]["end"]])
    for key, value in figures["visits"].items():
        summary.append([vocab.label(VISIT_FIGURES, key), value])
    for key, value in figures["people"]["by_level"].items():
        summary.append([_("People at level %(level)s", level=key), value])

    ledger = book.sheet(_("Care ledger"), widths=[9, 12, 16, 6, 30, 12, 12, 10, 10, 10], wrap=[3, 5], title_rows=2,
                        page_header=PLACEHOLDER)
    ledger.append([PLACEHOLDER])
    ledger.append(
        [
            _("Record no."),
            _("Name (masked)"),
            _("Community"),
            _("Level"),
            _("Difficulties"),
            _("Last visit"),
            _("Next visit due"),
            _("Visits this period"),
            _("High risks this period"),
            _("Open referrals"),
        ]
    )
    made = CareVisit.outcome == "visited"
    any_high = or_(*(getattr(CareVisit, f"risk_{k}") == "high" for k in vocab.RISKS))
    per_person = dict(
        (pid, (int(n), int(h)))
        for pid, n, h in db.session.execute(
            select(
                CareVisit.person_id,
                func.count(CareVisit.id),
                func.coalesce(func.sum(case((any_high, 1), else_=0)), 0),
            )
            .where(
                *_scope(CareVisit, community_id),
                made,
                CareVisit.visited_on >= start,
                CareVisit.visited_on <= end,
            )
            .group_by(CareVisit.person_id)
        ).all()
    )
    open_refs = dict(
        db.session.execute(
            select(CareReferral.person_id, func.count(CareReferral.id))
            .where(*_scope(CareReferral, community_id), CareReferral.status.in_(("open", "accepted")))
            .group_by(CareReferral.person_id)
        ).all()
    )
    communities = dict(db.session.execute(select(Community.id, Community.name)).all())
    rows = db.session.execute(
        select(
            CarePerson.id,
            Resident.name,
            CarePerson.community_id,
            CarePerson.level,
            CarePerson.difficulty_flags,
            CarePerson.last_visit_on,
            CarePerson.next_due_on,
        )
        .outerjoin(Resident, Resident.id == CarePerson.resident_id)
        .where(*_scope(CarePerson, community_id), CarePerson.erased_at.is_(None))
        .order_by(CarePerson.id)
        .execution_options(yield_per=1000)
    )
    separator, difficulties = _(", "), {}  # labels translated once per combination, not per row
    for pid, name, cid, level, flags, last, due in rows:
        n, h = per_person.get(pid, (0, 0))
        if flags not in difficulties:
            difficulties[flags] = separator.join(
                vocab.label(vocab.DIFFICULTIES, c) for c in vocab.from_flags(flags, vocab.DIFFICULTIES))
        ledger.append(
            [
                pid,
                mask_name(name) or "",
                communities.get(cid, ""),
                level,
                difficulties[flags],
                last.isoformat() if last else "",
                due.isoformat() if due else "",
                n,
                h,
                int(open_refs.get(pid, 0)),
            ]
        )
    return book.to_bytes()


def stamp(document: bytes, text: str) -> bytes:
    """A copy of a .docx/.xlsx with the watermark written where the placeholder stands."""
    safe = escape("".join(ch for ch in text if ch not in "&<>\"'"))
    source = zipfile.ZipFile(io.BytesIO(document))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith(".xml") and PLACEHOLDER.encode() in data:
                data = data.replace(PLACEHOLDER.encode(), safe.encode())
            target.writestr(info, data)
    return out.getvalue()


# A ledger built before the safe writer (wuye_core's XlsxWriter, hook API 1.5) may hold user text
# written as a formula (a name such as =HYPERLINK(…)); stored briefs are served as stored, so such
# cells are turned back into the text typed, at download. Ledgers built since hold no formula.
_FORMULA_CELL = re.compile(rb"<c((?:\s+(?!t=)[\w:]+=\"[^\"]*\")*)(?:\s+t=\"[^\"]*\")?"
                           rb"((?:\s+[\w:]+=\"[^\"]*\")*)\s*><f>(.*?)</f>(?:<v>.*?</v>|<v/>)?</c>", re.S)


def defuse_formulas(document: bytes) -> bytes:
    """The .xlsx with every formula cell of its worksheets written as the string `=formula`."""
    source = zipfile.ZipFile(io.BytesIO(document))
    sheets = [n for n in source.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    if not any(b"<f>" in source.read(n) for n in sheets):
        return document
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in sheets:
                data = _FORMULA_CELL.sub(
                    lambda m: b'<c' + m.group(1) + m.group(2) + b' t="inlineStr"><is><t xml:space="preserve">='
                    + m.group(3) + b"</t></is></c>", data)
            target.writestr(info, data)
    return out.getvalue()


# --- the job ----------------------------------------------------------------------------------


def _progress(brief_id: int, value: int) -> CareBrief | None:
    """Record progress under the brief's row lock and commit; None (nothing written) when the
    brief is gone or done — another build of it finished first. A brief taken over from a
    builder that died (still "running") keeps its progress until this one passes it, so the
    progress shown never goes back."""
    brief = get_for_update(CareBrief, brief_id)
    if brief is None or brief.status == "done":
        db.session.rollback()
        return None
    brief.progress = max(brief.progress, value) if brief.status == "running" else value
    brief.status = "running"
    db.session.commit()
    return brief


def build_brief(tenant_id: int, brief_id: int, locale: str | None = None) -> str | None:
    """Job `build_brief`: idempotent (a brief already done is left alone; a failed one is rebuilt).
    The files are written in `locale`, the language of whoever asked for the brief.

    Two builds of one brief at once (a retried job) may both work, but no lock is held while
    they do: each step's progress, and the result, are written under the brief's row lock
    (`get_for_update`), and only the first build to finish writes the files; the other stops."""
    with use_locale(locale):
        return _build_brief(brief_id)


def _build_brief(brief_id: int) -> str | None:
    brief = _progress(brief_id, 5)
    if brief is None:
        return None
    try:
        start, end, cid = brief.period_start, brief.period_end, brief.community_id
        scope = db.session.get(Community, cid).name if cid else services.tenant_name()
        title = _("Care visits brief: %(scope)s, %(start)s to %(end)s", scope=scope, start=start.isoformat(),
                  end=end.isoformat())
        figures = compute_figures(cid, start, end)
        if _progress(brief_id, 40) is None:
            return None
        figures["title"] = title
        counts = dict(figures)  # counts only: the recommendations (free text) stay in the encrypted file
        figures["recommendations"] = recommendations(cid, start, end, figures)
        if _progress(brief_id, 55) is None:
            return None
        docx = base64.b64encode(write_docx(title, figures)).decode()
        if _progress(brief_id, 70) is None:
            return None
        xlsx = base64.b64encode(write_xlsx(title, figures, cid, start, end)).decode()
        brief = get_for_update(CareBrief, brief_id)
        if brief is None or brief.status == "done":
            db.session.rollback()
            return None
        brief.figures, brief.docx, brief.xlsx = counts, docx, xlsx
        brief.finished_at, brief.error = datetime.now(UTC), None
        brief.progress, brief.status = 100, "done"
        db.session.commit()
    except Exception as exc:  # recorded on the brief for the user; the job runner logs it too
        db.session.rollback()
        brief = get_for_update(CareBrief, brief_id)
        if brief is not None and brief.status != "done":  # a build that finished meanwhile stands
            brief.status, brief.error = "failed", f"{type(exc).__name__}: {exc}"[:300]
        db.session.commit()
        raise
    return "done"
