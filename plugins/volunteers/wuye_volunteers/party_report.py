"""在职党员进社区服务情况: what the community sends back to the workplace party organisations.

Serving party members (kind `party_member`, or any member with a workplace party organisation)
who report to the community (在职党员进社区报到) and serve there; their service is counted for a
year, or for a period (Beijing dates, both included), and reported to the party organisation
where they work. The report groups them by that organisation: each member's name, the date they
reported to the community, their services and hours in the period, and a flag when the hours are
below what the community expects (config `party_member_yearly_hours`; for a period other than a
calendar year, that many hours in proportion to its days: `expected_minutes`).

Members count when they were not erased, had joined by the period's end and had not left before
its start; members with no service in the period are listed (with 0: those are the ones flagged).
One query: the members, outer-joined to their records grouped by member.

As .xlsx (`download`): one sheet, A4, a group heading, its members and a subtotal per
organisation, the total at the end; it names people, so each download is recorded in the audit
trail (`volunteers.exported`).
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import func, or_, select

from wuye_core.plugins import (
    Community,
    XlsxWriter,
    db,
    download_name,
    plugin_config,
    record_audit,
    xlsx_response,
)

from .access import NAME
from .i18n import _
from .models import Member, ServiceRecord
from .records import in_period
from .yearly import HOURS, hours_figure


def is_whole_year(first: date, last: date) -> bool:
    return first == date(first.year, 1, 1) and last == date(first.year, 12, 31)


def expected_minutes(community_id: int, first: date, last: date) -> int:
    """The minutes a serving party member is expected to serve in the period: the community's
    `party_member_yearly_hours` for a calendar year, in proportion to the days otherwise."""
    yearly = int(plugin_config(NAME, community_id).get("party_member_yearly_hours", 12)) * 60
    if is_whole_year(first, last):
        return yearly
    days = (last - first).days + 1
    return round(yearly * days / (366 if calendar.isleap(first.year) else 365))


def _unnamed() -> str:
    return _("Workplace party organisation not given")


def report(community_id: int, first: date, last: date) -> dict:
    """The report's figures: the period, the expected minutes, the groups (by organisation name, the
    unnamed last) with their members (by name) and subtotals, and the totals."""
    expected = expected_minutes(community_id, first, last)
    served = (select(ServiceRecord.member_id.label("member_id"), func.count(ServiceRecord.id).label("services"),
                     func.sum(ServiceRecord.minutes).label("minutes"))
              .where(ServiceRecord.community_id == community_id, *in_period(ServiceRecord.started_at, first, last))
              .group_by(ServiceRecord.member_id).subquery())
    rows = db.session.execute(
        select(Member, func.coalesce(served.c.services, 0), func.coalesce(served.c.minutes, 0))
        .outerjoin(served, served.c.member_id == Member.id)
        .where(Member.community_id == community_id, Member.erased_at.is_(None),
               or_(Member.kind == "party_member", func.coalesce(Member.party_org, "") != ""),
               Member.joined_on <= last, or_(Member.left_on.is_(None), Member.left_on >= first))
        .order_by(Member.id)).all()
    rows = sorted(rows, key=lambda row: (row[0].name, row[0].id))  # by name, the same on every backend
    groups: dict[str, dict] = {}
    for member, services, minutes in rows:
        org = (member.party_org or "").strip()
        group = groups.setdefault(org, {"party_org": org or None, "name": org or _unnamed(), "contact": None,
                                        "members": [], "people": 0, "services": 0, "minutes": 0, "below": 0})
        group["contact"] = group["contact"] or (member.party_org_contact or "").strip() or None
        below = int(minutes) < expected
        group["members"].append({
            "member_id": member.id, "name": member.name, "party_reported_on": member.party_reported_on,
            "joined_on": member.joined_on, "status": member.status, "left_on": member.left_on,
            "services": int(services), "minutes": int(minutes), "below": below})
        group["people"] += 1
        group["services"] += int(services)
        group["minutes"] += int(minutes)
        group["below"] += int(below)
    ordered = sorted(groups.values(), key=lambda g: (g["party_org"] is None, g["name"]))
    return {
        "community_id": community_id, "first": first, "last": last, "whole_year": is_whole_year(first, last),
        "expected_minutes": expected, "groups": ordered,
        "totals": {key: sum(g[key] for g in ordered) for key in ("people", "services", "minutes", "below")},
    }


def period_text(figures: dict) -> str:
    if figures["whole_year"]:
        return _("%(year)s", year=figures["first"].year)
    return _("%(first)s to %(last)s", first=figures["first"].isoformat(), last=figures["last"].isoformat())


def workbook(figures: dict) -> XlsxWriter:
    from openpyxl.styles import Font

    from .certificates import hours

    bold = Font(bold=True)
    community = db.session.get(Community, figures["community_id"])
    title = _("Serving party members' service in %(community)s, %(period)s", community=community.name,
              period=period_text(figures))
    book = XlsxWriter()
    sheet = book.sheet(_("Serving party members"), widths=[6, 14, 13, 10, 12, 14, 24], title_rows=3, freeze="A4",
                       wrap=[7], landscape=False, page_header=title)
    sheet.append([sheet.cell(title, font=bold)])
    sheet.append([_("Expected: %(hours)s hours in the period; below it is marked.",
                    hours=hours(figures["expected_minutes"]))])
    sheet.append([sheet.cell(text, font=bold) for text in (
        _("No."), _("Name"), _("Reported on"), _("Services"), _("Hours"), _("Expected hours met"), _("Remarks"))])
    number = 0
    for group in figures["groups"]:
        heading = _("Workplace party organisation: %(name)s", name=group["name"])
        if group["contact"]:
            heading = _("%(heading)s (contact: %(contact)s)", heading=heading, contact=group["contact"])
        sheet.append([sheet.cell(heading, font=bold)])
        for row in group["members"]:
            number += 1
            remarks = []
            if row["status"] == "left" and row["left_on"]:
                remarks.append(_("Left the alliance on %(day)s", day=row["left_on"].isoformat()))
            sheet.append([number, row["name"], row["party_reported_on"], row["services"],
                          sheet.cell(hours_figure(row["minutes"]), number_format=HOURS),
                          _("Below") if row["below"] else _("Met"), "; ".join(remarks) or None])
        sheet.append([None, sheet.cell(_("Subtotal"), font=bold),
                      _("%(people)s people", people=group["people"]),
                      sheet.cell(group["services"], font=bold),
                      sheet.cell(hours_figure(group["minutes"]), font=bold, number_format=HOURS),
                      _("%(below)s below", below=group["below"])])
    totals = figures["totals"]
    sheet.append([None, sheet.cell(_("Total"), font=bold), _("%(people)s people", people=totals["people"]),
                  sheet.cell(totals["services"], font=bold),
                  sheet.cell(hours_figure(totals["minutes"]), font=bold, number_format=HOURS),
                  _("%(below)s below", below=totals["below"])])
    return book


def download(figures: dict):
    """The report as an .xlsx, recorded in the audit trail (it names people)."""
    book = workbook(figures)
    community_id = figures["community_id"]
    record_audit(NAME, "exported", target_type="party_report", target_id=community_id,
                 details={"from": figures["first"].isoformat(), "to": figures["last"].isoformat(),
                          "rows": figures["totals"]["people"]})
    community = db.session.get(Community, community_id)
    period = (str(figures["first"].year) if figures["whole_year"]
              else f"{figures['first'].isoformat()}_{figures['last'].isoformat()}")
    return xlsx_response(book.save, download_name("volunteers-party-report", community_id, period, ext="xlsx"),
                         download_name(_("Serving party members report"), community.name, period, ext="xlsx"))
