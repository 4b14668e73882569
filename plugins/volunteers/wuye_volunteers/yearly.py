"""Hours of a year (年度服务时长): per person (ranked), per team, and the community's total, with
the number of services and of people who served. A record belongs to the Beijing year its
service started in.

Each figure is one grouped query (no query per row): the community's total; the teams' (a team's
figures are its current members' records — a member in two teams counts in both, so the teams
do not add up to the community); the people's ranking (the records grouped by member, ranked in
the database, joined to the members: a page of it, or all of it for the workbook).

The workbook (`download`): a sheet of the people and a sheet of the teams, A4; it holds names,
so each download is recorded in the audit trail (`volunteers.exported`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, literal_column, select

from wuye_core.plugins import (
    Community,
    XlsxWriter,
    db,
    download_name,
    invalid,
    local_today,
    record_audit,
    xlsx_response,
)

from . import vocab
from .access import NAME
from .i18n import N_, _
from .models import Member, ServiceRecord, Team, TeamMember
from .records import period_bounds

FIRST_YEAR = 2000
HOURS = "0.00"  # hours in a workbook: 1.50, 2.00, 0.33
# the ranking's sort keys (output-column labels of `people_statement`, constant: paginate caches its ORDER BY)
PEOPLE_COLUMNS = {"minutes": literal_column("year_minutes"), "services": literal_column("year_services"),
                  "rank": literal_column("year_rank")}


def hours_figure(minutes: int) -> Decimal:
    """Minutes as hours for a workbook's number cell, two decimals at most (exact: Decimal)."""
    return (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"))


def check_year(year: int, location: str = "path") -> int:
    """A year from FIRST_YEAR to this year (422 naming `year` otherwise)."""
    if year < FIRST_YEAR or year > local_today().year:
        invalid("year", N_("Choose a year from %(first)s to this year.", first=FIRST_YEAR), location)
    return year


def year_bounds(year: int):
    return period_bounds(date(year, 1, 1), date(year, 12, 31))


def _in_year(community_id: int, year: int) -> list:
    start, end = year_bounds(year)
    return [ServiceRecord.community_id == community_id, ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end]


def totals(community_id: int, year: int) -> dict:
    """The community's year: services, people who served, minutes (one query)."""
    services, people, minutes = db.session.execute(
        select(func.count(ServiceRecord.id), func.count(func.distinct(ServiceRecord.member_id)),
               func.coalesce(func.sum(ServiceRecord.minutes), 0)).where(*_in_year(community_id, year))).one()
    return {"services": int(services), "people": int(people), "minutes": int(minutes)}


def teams(community_id: int, year: int) -> list[dict]:
    """Each team of the community (active or not, with services or not), by minutes then name: its
    members' services, people who served and minutes in the year (one grouped query, teams joined)."""
    figures = (
        select(TeamMember.team_id.label("team_id"), func.count(ServiceRecord.id).label("services"),
               func.count(func.distinct(ServiceRecord.member_id)).label("people"),
               func.sum(ServiceRecord.minutes).label("minutes"))
        .join(ServiceRecord, ServiceRecord.member_id == TeamMember.member_id)
        .where(TeamMember.community_id == community_id, *_in_year(community_id, year))
        .group_by(TeamMember.team_id).subquery())
    members = (select(TeamMember.team_id.label("team_id"), func.count(TeamMember.id).label("members"))
               .where(TeamMember.community_id == community_id).group_by(TeamMember.team_id).subquery())
    rows = db.session.execute(
        select(Team.id, Team.name, Team.kind, Team.active, func.coalesce(members.c.members, 0),
               func.coalesce(figures.c.services, 0), func.coalesce(figures.c.people, 0),
               func.coalesce(figures.c.minutes, 0))
        .outerjoin(figures, figures.c.team_id == Team.id).outerjoin(members, members.c.team_id == Team.id)
        .where(Team.community_id == community_id)).all()
    out = [{"team_id": tid, "name": name, "kind": kind, "kind_label": vocab.label(vocab.TEAM_KINDS, kind),
            "active": bool(active), "members": int(count), "services": int(services), "people": int(people),
            "minutes": int(minutes)}
           for tid, name, kind, active, count, services, people, minutes in rows]
    out.sort(key=lambda row: (-row["minutes"], row["name"], row["team_id"]))
    return out


def people_statement(community_id: int, year: int) -> Select:
    """(Member, services, minutes, rank) of everyone with a record in the year: the records grouped
    by member and ranked by minutes (1 = the most; equal minutes, equal rank) in one subquery,
    joined to the members. Sort keys: `PEOPLE_COLUMNS`."""
    minutes = func.sum(ServiceRecord.minutes)
    grouped = (select(ServiceRecord.member_id.label("member_id"), func.count(ServiceRecord.id).label("services"),
                      minutes.label("minutes"), func.rank().over(order_by=minutes.desc()).label("rank"))
               .where(*_in_year(community_id, year)).group_by(ServiceRecord.member_id).subquery())
    return (select(Member, grouped.c.services.label("year_services"), grouped.c.minutes.label("year_minutes"),
                   grouped.c.rank.label("year_rank"))
            .join(grouped, grouped.c.member_id == Member.id))


def people_out(rows) -> list[dict]:
    return [{"member_id": member.id, "id": member.id, "rank": int(rank), "name": member.name, "kind": member.kind,
             "kind_label": vocab.label(vocab.MEMBER_KINDS, member.kind), "party_org": member.party_org,
             "status": member.status, "services": int(services), "minutes": int(minutes)}
            for member, services, minutes, rank in rows]


def all_people(community_id: int, year: int) -> list[dict]:
    """The whole ranking, by rank (equal ranks as the API orders them: by id)."""
    rows = db.session.execute(people_statement(community_id, year)
                              .order_by(PEOPLE_COLUMNS["rank"], Member.id)).all()
    return people_out(rows)


def summary(community_id: int, year: int) -> dict:
    return {"year": year, "community_id": community_id, "totals": totals(community_id, year),
            "teams": teams(community_id, year)}


# --- the workbook -----------------------------------------------------------------------------------


def workbook(community_id: int, year: int) -> tuple[XlsxWriter, int]:
    """The year's hours: the people (ranked) and the teams, with the community's total."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    community = db.session.get(Community, community_id)
    figures = totals(community_id, year)
    people = all_people(community_id, year)
    book = XlsxWriter()
    title = _("%(community)s volunteer service hours in %(year)s", community=community.name, year=year)
    sheet = book.sheet(_("Service hours"), widths=[7, 16, 14, 30, 10, 12], title_rows=2, freeze="A3",
                       wrap=[4], page_header=title)
    sheet.append([sheet.cell(title, font=bold)])
    sheet.append([sheet.cell(text, font=bold) for text in (
        _("Rank"), _("Name"), _("Kind"), _("Workplace party organisation"), _("Services"), _("Hours"))])
    for row in people:
        sheet.append([row["rank"], row["name"], row["kind_label"], row["party_org"] or "", row["services"],
                      sheet.cell(hours_figure(row["minutes"]), number_format=HOURS)])
    sheet.append([sheet.cell(_("Total"), font=bold), _("%(people)s people", people=figures["people"]), None, None,
                  sheet.cell(figures["services"], font=bold),
                  sheet.cell(hours_figure(figures["minutes"]), font=bold, number_format=HOURS)])
    team_sheet = book.sheet(_("Teams"), widths=[24, 14, 10, 12, 10, 12], title_rows=2, freeze="A3",
                            wrap=[1], page_header=title)
    team_sheet.append([team_sheet.cell(title, font=bold)])
    team_sheet.append([team_sheet.cell(text, font=bold) for text in (
        _("Team"), _("Kind"), _("Members"), _("People who served"), _("Services"), _("Hours"))])
    for row in teams(community_id, year):
        team_sheet.append([row["name"], row["kind_label"], row["members"], row["people"], row["services"],
                           team_sheet.cell(hours_figure(row["minutes"]), number_format=HOURS)])
    team_sheet.append([_("A member in several teams counts in each; the community's total counts each record once.")])
    return book, len(people)


def download(community_id: int, year: int):
    """The year's hours as an .xlsx, recorded in the audit trail (it holds names)."""
    book, people = workbook(community_id, year)
    record_audit(NAME, "exported", target_type="hours_year", target_id=year,
                 details={"community_id": community_id, "rows": people})
    community = db.session.get(Community, community_id)
    return xlsx_response(book.save, download_name("volunteer-hours", community_id, year, ext="xlsx"),
                         download_name(_("Volunteer service hours"), community.name, year, ext="xlsx"))
