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

from wuye_core.plugins import (
    Community,
    Resident,
    XlsxWriter,
    current_locale,
    db,
    get_for_update,
    services,
    use_locale,
)

from . import clock, vocab
from .access import mask_name
from .i18n import N_, _
from .issuing import case_rows, issuing_office, scrub
from .models import CareBrief, CarePerson, CarePlanItem, CareReferral, CareVisit

PLACEHOLDER = "WUYE-CARE-WATERMARK"
MAX_RECOMMENDATIONS = 20
MAX_ROOT_CAUSE_VISITS = 5000  # the root causes of at most this many visits (newest first) are read
MAX_ROOT_CAUSES = 10
FIGURES_VERSION = 2  # 2: high_risk, tickets, followup, by_community, scope (the narrative needs them)
TICKET_DONE = ("resolved", "closed")
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
            func.count(func.distinct(case((and_(made, any_high), CareVisit.person_id)))),
            func.count(CareVisit.ticket_id),
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
        "high_risk_people": int(row[7]),
        "tickets": int(row[8]),
        "needs": dict(zip(vocab.NEEDS, map(int, row[9 : 9 + n_needs]), strict=True)),
        "help": dict(zip(vocab.HELP, map(int, row[9 + n_needs :]), strict=True)),
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


def _any_high():
    return or_(*(getattr(CareVisit, f"risk_{k}") == "high" for k in vocab.RISKS))


def _high_risk_handled(community_id: int | None, start: date, end: date) -> int:
    """People a visit of the period found at high risk whose latest visit no longer does."""
    return int(db.session.scalar(
        select(func.count(func.distinct(CareVisit.person_id)))
        .join(CarePerson, CarePerson.id == CareVisit.person_id)
        .where(*_scope(CareVisit, community_id), CareVisit.visited_on >= start, CareVisit.visited_on <= end,
               CareVisit.outcome == "visited", _any_high(), CarePerson.high_risk.is_(False))
    ) or 0)


def _tickets_resolved(community_id: int | None, start: date, end: date) -> int:
    ids = db.session.scalars(
        select(CareVisit.ticket_id).where(*_scope(CareVisit, community_id), CareVisit.visited_on >= start,
                                          CareVisit.visited_on <= end, CareVisit.ticket_id.is_not(None))
    ).all()
    return sum(1 for ticket in services.ticket_summaries(ids).values() if ticket["status"] in TICKET_DONE)


def _followup(community_id: int | None, today: date) -> dict:
    """What is still to do, as of `today`: overdue people, open high risks, open referrals."""
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((CarePerson.next_due_on < today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((CarePerson.high_risk.is_(True), 1), else_=0)), 0),
        ).where(*_scope(CarePerson, community_id), CarePerson.active.is_(True), CarePerson.erased_at.is_(None))
    ).one()
    by_body = dict(db.session.execute(
        select(CareReferral.body, func.count(CareReferral.id))
        .where(*_scope(CareReferral, community_id), CareReferral.status.in_(("open", "accepted")))
        .group_by(CareReferral.body)
    ).all())
    return {
        "as_of": today.isoformat(),
        "overdue_people": int(row[0]),
        "open_high_risks": int(row[1]),
        "open_referrals": sum(int(n) for n in by_body.values()),
        "open_referrals_by_body": {b: int(by_body[b]) for b in vocab.BODIES if by_body.get(b)},
    }


def _by_community(start: date, end: date, today: date) -> list[dict]:
    """The street's brief: each community's figures (GROUP BY community), by name."""
    made = CareVisit.outcome == "visited"
    people = {r[0]: r[1:] for r in db.session.execute(
        select(CarePerson.community_id,
               func.count(CarePerson.id),
               func.coalesce(func.sum(case((CarePerson.next_due_on < today, 1), else_=0)), 0),
               func.coalesce(func.sum(case((CarePerson.high_risk.is_(True), 1), else_=0)), 0))
        .where(CarePerson.active.is_(True), CarePerson.erased_at.is_(None))
        .group_by(CarePerson.community_id)).all()}
    visits = {r[0]: r[1:] for r in db.session.execute(
        select(CareVisit.community_id,
               func.coalesce(func.sum(case((made, 1), else_=0)), 0),
               func.count(func.distinct(case((made, CareVisit.person_id)))),
               func.coalesce(func.sum(case((and_(made, _any_high()), 1), else_=0)), 0))
        .where(CareVisit.visited_on >= start, CareVisit.visited_on <= end)
        .group_by(CareVisit.community_id)).all()}
    referrals = dict(db.session.execute(
        select(CareReferral.community_id, func.count(CareReferral.id))
        .where(CareReferral.status.in_(("open", "accepted")))
        .group_by(CareReferral.community_id)).all())
    ids = set(people) | set(visits)
    names = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())
    out = []
    for cid in sorted(ids, key=lambda c: (names.get(c, ""), c)):
        total, overdue, high_now = people.get(cid, (0, 0, 0))
        made_n, visited, high = visits.get(cid, (0, 0, 0))
        out.append({
            "community_id": cid, "name": names.get(cid, ""), "people": int(total),
            "made": int(made_n), "people_visited": int(visited), "high_risk_visits": int(high),
            "open_high_risks": int(high_now), "overdue_people": int(overdue),
            "open_referrals": int(referrals.get(cid, 0)),
        })
    return out


def compute_figures(community_id: int | None, start: date, end: date, today: date | None = None) -> dict:
    today = today or clock.today()
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
        "version": FIGURES_VERSION,
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
        "high_risk": {
            "visits": current["high_risk_visits"],
            "people_found": current["high_risk_people"],
            "people_handled": _high_risk_handled(community_id, start, end),
        },
        "tickets": {"opened": current["tickets"], "resolved": _tickets_resolved(community_id, start, end)},
        "followup": _followup(community_id, today),
        "by_community": _by_community(start, end, today) if community_id is None else None,
        "trends": {
            "made": {"current": current["made"], "previous": previous["made"]},
            "people_visited": {"current": current["people_visited"], "previous": previous["people_visited"]},
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


# --- the narrative: the period in sentences, from the figures alone ------------------------------


def _change(current: int, previous: int) -> str:
    if current > previous:
        return _("up from %(previous)s to %(current)s", previous=previous, current=current)
    if current < previous:
        return _("down from %(previous)s to %(current)s", previous=previous, current=current)
    return _("unchanged at %(current)s", current=current)


def narrative(figures: dict) -> list[str] | None:
    """The period told in a few paragraphs, in the current language, from the stored figures only
    (counts, no personal text): the same words in the .docx and in the API (`narrative`), where
    they are written at reading time, in the reader's language. None for figures stored before it."""
    if (figures or {}).get("version", 1) < FIGURES_VERSION:
        return None
    period, previous = figures["period"], figures["previous_period"]
    v, trends = figures["visits"], figures["trends"]
    out = [_(
        "From %(start)s to %(end)s, %(scope)s made %(made)s care visits at home (%(attempts)s calls in all, "
        "%(planned)s planned) and saw %(people)s of the %(total)s people in care; %(helped)s visits gave help "
        "on the spot.",
        start=period["start"], end=period["end"], scope=figures.get("scope") or "", made=v["made"],
        attempts=v["attempts"], planned=v["planned"], people=v["people_visited"], total=figures["people"]["total"],
        helped=v["helped_visits"])]
    high, tickets = figures["high_risk"], figures["tickets"]
    if high["visits"]:
        text = _("Visits found a high risk %(visits)s times, concerning %(people)s people; after follow-up, "
                 "%(handled)s of them are no longer at high risk.", visits=high["visits"],
                 people=high["people_found"], handled=high["people_handled"])
    else:
        text = _("No visit found a high risk.")
    if tickets["opened"]:
        text += _(" %(opened)s tickets were opened for the hazards found, %(resolved)s of them resolved.",
                  opened=tickets["opened"], resolved=tickets["resolved"])
    out.append(text)
    referrals = figures["referrals"]
    if referrals["total"]:
        out.append(_("%(total)s referrals were made to outside bodies, %(resolved)s of them resolved; "
                     "%(open)s referrals are open in all.", total=referrals["total"],
                     resolved=referrals["resolved"], open=referrals["open_now"]))
    else:
        out.append(_("No referral was made this period; %(open)s referrals are open in all.",
                     open=referrals["open_now"]))
    out.append(_(
        "Compared with the previous period (%(start)s to %(end)s): visits at home %(made)s, people visited "
        "%(people)s, high risks found %(high)s, not at home or refused %(missed)s.",
        start=previous["start"], end=previous["end"],
        made=_change(trends["made"]["current"], trends["made"]["previous"]),
        people=_change(trends["people_visited"]["current"], trends["people_visited"]["previous"]),
        high=_change(trends["high_risk_visits"]["current"], trends["high_risk_visits"]["previous"]),
        missed=_change(trends["not_home_or_refused"]["current"], trends["not_home_or_refused"]["previous"])))
    return out


def community_sentence(row: dict) -> str:
    return _("%(community)s: %(made)s visits at home, %(people)s of %(total)s people in care seen, "
             "%(high)s high risks found (%(high_now)s people still at high risk), %(overdue)s people overdue "
             "for a visit, %(open)s referrals open.", community=row["name"], made=row["made"],
             people=row["people_visited"], total=row["people"], high=row["high_risk_visits"],
             high_now=row["open_high_risks"], overdue=row["overdue_people"], open=row["open_referrals"])


def problems_sentence(figures: dict) -> str | None:
    problems = figures["common_problems"][:5]
    if not problems:
        return None
    listed = _(", ").join(_("%(problem)s (%(count)s)", problem=vocab.label(vocab.NEEDS, p["code"]), count=p["count"])
                          for p in problems if p["count"])
    return _("The problems raised most often this period: %(problems)s.", problems=listed) if listed else None


# --- the follow-up plan (下一步工作) ----------------------------------------------------------------


def followup_items(figures: dict, notes: str | None) -> list[str]:
    """What to do next: the people overdue, the high risks still open, the referrals still open,
    the plan not met, the most frequent problem, then the care lead's own points (one a line)."""
    out = []
    f, v = figures["followup"], figures["visits"]
    if f["overdue_people"]:
        out.append(_("Visit first the %(count)s people overdue for a visit (as of %(date)s).",
                     count=f["overdue_people"], date=f["as_of"]))
    if f["open_high_risks"]:
        out.append(_("Keep a close watch on the %(count)s people still at high risk: visit them more often until "
                     "the risk is lifted.", count=f["open_high_risks"]))
    if f["open_referrals"]:
        bodies = _(", ").join(_("%(body)s %(count)s", body=vocab.label(vocab.BODIES, b), count=n)
                              for b, n in f["open_referrals_by_body"].items())
        out.append(_("Follow up the %(count)s open referrals with the bodies concerned (%(bodies)s).",
                     count=f["open_referrals"], bodies=bodies))
    if v["planned"] and v["made"] < v["planned"]:
        out.append(_("%(planned)s visits were planned and %(made)s made: visit the people not yet seen.",
                     planned=v["planned"], made=v["made"]))
    if figures["common_problems"]:
        top = figures["common_problems"][0]
        out.append(_("The most frequent problem is “%(problem)s” (%(count)s times): connect the matching resources.",
                     problem=vocab.label(vocab.NEEDS, top["code"]), count=top["count"]))
    out += [line.strip() for line in (notes or "").splitlines() if line.strip()]
    if not out:
        out.append(_("Keep visiting by the plan."))
    return out


def _quoted_texts(column, community_id: int | None, start: date, end: date, limit: int):
    """(text, need_flags, name) of the period's visits with `column` filled, newest first."""
    return db.session.execute(
        select(column, CareVisit.need_flags, Resident.name)
        .join(CarePerson, CarePerson.id == CareVisit.person_id)
        .outerjoin(Resident, Resident.id == CarePerson.resident_id)
        .where(*_scope(CareVisit, community_id), CareVisit.visited_on >= start, CareVisit.visited_on <= end,
               column.is_not(None))
        .order_by(CareVisit.visited_on.desc(), CareVisit.id.desc())
        .limit(limit)
    ).all()


def recommendations(community_id: int | None, start: date, end: date) -> list[str]:
    """The visitors' own recommendations (帮扶建议) of the period (at most MAX_RECOMMENDATIONS),
    scrubbed of names, phones and ID numbers."""
    rows = _quoted_texts(CareVisit.recommendation, community_id, start, end, MAX_RECOMMENDATIONS)
    names = {name for _t, _f, name in rows if name}
    out, seen = [], set()
    for text, _flags, _name in rows:
        if text and text not in seen:
            seen.add(text)
            out.append(scrub(text, names))
    return out


_CAUSE_SPLIT = re.compile(r"[，,、；;。.!！?？\n/]+")


def root_causes(community_id: int | None, start: date, end: date) -> list[dict]:
    """The root causes (困难根源) the visitors recorded, ranked: each recorded text is cut into its
    causes (at commas, 、, semicolons, full stops), the same cause counted once per visit, ranked
    by visits; each with the problems (needs) of the visits that named it. Free text: decrypted
    here (at most MAX_ROOT_CAUSE_VISITS visits, newest first), scrubbed, and written to the
    encrypted files only — never to the stored figures."""
    rows = _quoted_texts(CareVisit.root_cause, community_id, start, end, MAX_ROOT_CAUSE_VISITS)
    names = {name for _t, _f, name in rows if name}
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    needs: dict[str, dict[str, int]] = {}
    for text, flags, _name in rows:
        causes = {}
        for part in _CAUSE_SPLIT.split(text or ""):
            part = part.strip()
            if len(part) >= 2:
                causes.setdefault(" ".join(part.lower().split()), part)
        for key, part in causes.items():
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, part)
            bucket = needs.setdefault(key, {})
            for code in vocab.from_flags(flags, vocab.NEEDS):
                bucket[code] = bucket.get(code, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))[:MAX_ROOT_CAUSES]
    return [
        {"cause": scrub(shown[key], names), "visits": counts[key],
         "needs": [c for c, _n in sorted(needs[key].items(), key=lambda kv: (-kv[1], kv[0]))]}
        for key in ranked
    ]


# --- files ------------------------------------------------------------------------------------


RED = "C00000"


def _numeral(n: int) -> str:
    # TRANSLATORS: the section numerals of a brief, comma-separated (一、二、三… in Chinese)
    numerals = _("1,2,3,4,5,6,7,8,9,10,11,12").split(",")
    return numerals[n - 1] if n <= len(numerals) else str(n)


def long_date(day: date) -> str:
    """A date as a document gives it: 2026年12月4日 / December 4, 2026."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=current_locale())


def _font(run, size: float | None = None, bold: bool | None = None, color: str | None = None,
          east_asia: str | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    if east_asia:
        run.font.name = east_asia
        rpr = run._element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asia)


def _rule(paragraph, color: str = RED, size: int = 18) -> None:
    """A coloured line under the paragraph (the masthead's red rule), as a bottom border."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.append(borders)


def _page_number(paragraph) -> None:
    """“— 3 —”: the page number field, centred (Word fills it in)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def _heading(doc, text: str, level: int):
    heading = doc.add_heading(level=level)
    _font(heading.add_run(text), size=16 if level == 2 else 14, bold=True, color="000000", east_asia="SimHei")
    return heading


def write_docx(content: dict) -> bytes:
    """The brief as a 简报: masthead (简报, 第 N 期, issuing office and date, red rule), title,
    then 一、总体情况 (the narrative), typical cases, common problems and root causes, each
    community (a street's brief), next steps, and the figures' tables; page numbers in the footer."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt

    figures = content["figures"]
    doc = Document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header.paragraphs[0].text = PLACEHOLDER
    section.footer.paragraphs[0].text = PLACEHOLDER
    _page_number(section.footer.add_paragraph())
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)

    watermark = doc.add_paragraph()
    _font(watermark.add_run(PLACEHOLDER), size=9, color="808080")

    # the masthead
    masthead = content["masthead"]
    name = doc.add_paragraph()
    name.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(name.add_run(_("Brief")), size=42, bold=True, color=RED, east_asia="SimSun")
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issue_text = (_("No. %(number)s", number=masthead["number"]) if masthead["number"] is not None
                  else _("Draft (not yet issued)"))
    _font(number.add_run(issue_text), size=16)
    line = doc.add_paragraph()
    width = section.page_width - section.left_margin - section.right_margin
    line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    _font(line.add_run(f"{masthead['office']}\t{long_date(masthead['date'])}"), size=14)
    _rule(line)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    _font(title.add_run(content["title"]), size=20, bold=True, east_asia="SimSun")
    period = figures["period"]
    doc.add_paragraph(
        _("Period: %(start)s to %(end)s (previous period %(previous_start)s to %(previous_end)s)",
          start=period["start"], end=period["end"], previous_start=figures["previous_period"]["start"],
          previous_end=figures["previous_period"]["end"])
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    n = 0

    def section_heading(text: str) -> None:
        nonlocal n
        n += 1
        _heading(doc, _("%(n)s. %(title)s", n=_numeral(n), title=text), 2)

    def paragraph(text: str) -> None:
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(24)

    section_heading(_("Overview"))
    for text in narrative(figures) or []:
        paragraph(text)

    cases = content["cases"]
    if cases:
        section_heading(_("Typical cases"))
        for i, case in enumerate(cases, 1):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(24)
            _font(p.add_run(_("Case %(n)s: %(who)s, visited on %(date)s. ", n=i, who=case["label"],
                              date=case["visited_on"].isoformat())), bold=True)
            p.add_run(case["text"])

    section_heading(_("Common problems and root causes"))
    sentence = problems_sentence(figures)
    paragraph(sentence or _("No problem was recorded this period."))
    if figures["common_problems"]:
        _table(
            doc,
            [_("Problem"), _("This period"), _("Previous period"), _("Change")],
            [[vocab.label(vocab.NEEDS, p["code"]), p["count"], p["previous"], f"{p['change']:+d}"]
             for p in figures["common_problems"]],
        )
    causes = content["root_causes"]
    if causes:
        paragraph(_("The root causes the visitors recorded, ranked by the visits that name them:"))
        _table(
            doc,
            [_("Rank"), _("Root cause"), _("Visits"), _("Problems it concerns")],
            [[i, c["cause"], c["visits"], _(", ").join(vocab.label(vocab.NEEDS, code) for code in c["needs"][:3])]
             for i, c in enumerate(causes, 1)],
        )
    else:
        paragraph(_("No root cause was recorded this period."))

    communities = figures.get("by_community")
    if communities:
        section_heading(_("Each community"))
        for row in communities:
            paragraph(community_sentence(row))
        _table(
            doc,
            [_("Community"), _("People in care"), _("Visits made (at home)"), _("People visited"),
             _("High risks found"), _("Still at high risk"), _("Overdue"), _("Open referrals")],
            [[r["name"], r["people"], r["made"], r["people_visited"], r["high_risk_visits"], r["open_high_risks"],
              r["overdue_people"], r["open_referrals"]] for r in communities],
        )

    section_heading(_("Next steps"))
    for text in content["followup"]:
        doc.add_paragraph(text, style="List Number")
    if content["recommendations"]:
        doc.add_paragraph(_("The visitors' recommendations:"))
        for text in content["recommendations"]:
            doc.add_paragraph(text, style="List Bullet")

    section_heading(_("Figures of the period"))
    v = figures["visits"]
    sub = 0

    def sub_heading(text: str) -> None:
        nonlocal sub
        sub += 1
        _heading(doc, _("(%(n)s) %(title)s", n=_numeral(sub), title=text), 3)

    sub_heading(_("Visits made"))
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
    sub_heading(_("People in care (by level, by difficulty)"))
    people = figures["people"]
    _table(
        doc, [_("Level"), _("People")],
        [[lv, n] for lv, n in people["by_level"].items()] + [[_("Total"), people["total"]]]
    )
    _table(doc, [_("Difficulty"), _("People")],
           [[vocab.label(vocab.DIFFICULTIES, k), n] for k, n in people["by_type"].items()])
    sub_heading(_("Risk assessment"))
    _table(
        doc,
        [_("Risk"), *(vocab.label(vocab.RISK_LABELS, lv) for lv in vocab.RISK_LEVELS)],
        [[vocab.label(vocab.RISKS, k), *(figures["risks"][k][lv] for lv in vocab.RISK_LEVELS)] for k in vocab.RISKS],
    )
    sub_heading(_("Help given"))
    _table(doc, [_("Help"), _("Times")], [[vocab.label(vocab.HELP, k), n] for k, n in figures["help"].items()])
    sub_heading(_("Referrals and their outcomes"))
    _table(
        doc,
        [_("Body"), *(vocab.label(vocab.REFERRAL_STATES, s) for s in vocab.REFERRAL_STATES)],
        [
            [vocab.label(vocab.BODIES, b), *(row[s] for s in vocab.REFERRAL_STATES)]
            for b, row in figures["referrals"]["by_body"].items()
        ],
    )
    doc.add_paragraph(_("Referrals still open: %(count)s.", count=figures["referrals"]["open_now"]))
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
    summary.append([_("Previous period"), figures["previous_period"]["start"], figures["previous_period"]["end"]])
    summary.append([_("Item"), _("This period"), _("Previous period")])
    previous = {key: trend["previous"] for key, trend in figures["trends"].items()}
    for key, value in figures["visits"].items():
        summary.append([vocab.label(VISIT_FIGURES, key), value, previous.get(key, "")])
    summary.append([_("People in care"), figures["people"]["total"]])
    for key, value in figures["people"]["by_level"].items():
        summary.append([_("People at level %(level)s", level=key), value])
    high, tickets, followup = figures["high_risk"], figures["tickets"], figures["followup"]
    for label, value in (
        (_("People found at high risk"), high["people_found"]),
        (_("Of them no longer at high risk"), high["people_handled"]),
        (_("Tickets opened from visits"), tickets["opened"]),
        (_("Tickets resolved"), tickets["resolved"]),
        (_("Referrals made"), figures["referrals"]["total"]),
        (_("Referrals resolved"), figures["referrals"]["resolved"]),
        (_("Referrals open (all)"), followup["open_referrals"]),
        (_("People overdue for a visit"), followup["overdue_people"]),
        (_("People still at high risk"), followup["open_high_risks"]),
    ):
        summary.append([label, value])
    for code, count in ((p["code"], p["count"]) for p in figures["common_problems"]):
        summary.append([_("Problem: %(problem)s", problem=vocab.label(vocab.NEEDS, code)), count])
    if figures.get("by_community"):
        summary.append([])
        summary.append([_("Community"), _("People in care"), _("Visits made (at home)"), _("People visited"),
                        _("High risks found"), _("Still at high risk"), _("Overdue"), _("Open referrals")])
        for r in figures["by_community"]:
            summary.append([r["name"], r["people"], r["made"], r["people_visited"], r["high_risk_visits"],
                            r["open_high_risks"], r["overdue_people"], r["open_referrals"]])

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
        title = brief.title or _("Care visits brief: %(scope)s, %(start)s to %(end)s", scope=scope,
                                 start=start.isoformat(), end=end.isoformat())
        today = clock.today()
        figures = compute_figures(cid, start, end, today)
        figures["title"], figures["scope"] = title, scope
        if _progress(brief_id, 40) is None:
            return None
        masthead = {
            "number": brief.issue_number,
            "office": brief.issuing_office or issuing_office(cid),
            "date": brief.issued_on or today,
        }
        # counts only in `figures` (stored in the clear): the free texts stay in the encrypted files
        content = {
            "title": title,
            "masthead": masthead,
            "figures": figures,
            "cases": case_rows(brief, (brief.issued_on or today).year),
            "root_causes": root_causes(cid, start, end),
            "followup": followup_items(figures, brief.followup_notes),
            "recommendations": recommendations(cid, start, end),
        }
        if _progress(brief_id, 55) is None:
            return None
        docx = base64.b64encode(write_docx(content)).decode()
        if _progress(brief_id, 70) is None:
            return None
        xlsx = base64.b64encode(write_xlsx(title, figures, cid, start, end)).decode()
        brief = get_for_update(CareBrief, brief_id)
        if brief is None or brief.status == "done":
            db.session.rollback()
            return None
        brief.figures, brief.docx, brief.xlsx = figures, docx, xlsx
        brief.locale = current_locale()
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
