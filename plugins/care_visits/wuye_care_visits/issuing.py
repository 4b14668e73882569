"""Issuing a brief (简报 第 N 期) and its typical cases (典型案例), anonymised.

- **Issue numbers** count per issuing office and year (the year of the issue date, Beijing time).
  The counter row (`CareBriefNumber`) is created once (a savepoint absorbs the race of two first
  issues of the year) and incremented under its row lock (`get_for_update`): two briefs issued
  at once wait for each other there and get different numbers; the number is written on the
  brief in the same transaction, so a number is never given twice, and a unique index on
  (office, year, number) stands behind the lock.
- **The issuing office** is the plugin config's `brief_office` of the brief's community, else
  the community's name; for the tenant's (a street's) brief `street_brief_office`, when the
  communities where the plugin is enabled agree on it, else the tenant's name.
- **Typical cases** are visits of the brief's period and scope the care lead chose, with a case
  text the lead writes. The brief never shows who: a label made of codes (`某独居老人（80岁）`),
  and texts that name the person, a phone or an ID number are refused (422) — the quoted free
  texts of the brief (root causes, recommendations) are scrubbed of the same (`scrub`).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    Community,
    Resident,
    db,
    get_for_update,
    invalid,
    mask_id_card,
    mask_phone,
    plugin_communities,
    plugin_config,
    services,
)

from . import clock, vocab
from .access import NAME
from .i18n import N_, _
from .models import CareBrief, CareBriefCase, CareBriefNumber, CarePerson, CareVisit

MAX_CASES = 10  # a brief is read by leaders: a handful of cases, not a casebook
ELDERLY_AGE = 60

_ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


# --- the issuing office and the issue number ----------------------------------------------------


def issuing_office(community_id: int | None) -> str:
    if community_id is not None:
        office = (plugin_config(NAME, community_id).get("brief_office") or "").strip()
        return office or db.session.get(Community, community_id).name
    offices = {
        (plugin_config(NAME, cid).get("street_brief_office") or "").strip()
        for cid in sorted(plugin_communities(NAME))
    }
    if len(offices) == 1 and (office := offices.pop()):
        return office
    return services.tenant_name()


def allocate_number(office: str, year: int) -> int:
    """The next issue number of `office` in `year`, under the counter's row lock (held until the
    caller's transaction ends: commit soon after)."""
    where = (CareBriefNumber.office == office, CareBriefNumber.year == year)
    counter_id = db.session.scalar(select(CareBriefNumber.id).where(*where))
    if counter_id is None:
        try:
            with db.session.begin_nested():  # the first issue of the year; another may create it first
                db.session.add(CareBriefNumber(office=office, year=year, last_number=0))
        except IntegrityError:
            pass
        counter_id = db.session.scalar(select(CareBriefNumber.id).where(*where))
    counter = get_for_update(CareBriefNumber, counter_id)
    counter.last_number += 1
    return counter.last_number


def issue(brief: CareBrief, data: dict, actor: str, locale: str) -> CareBrief:
    """Give the (locked) brief its number, office, date, title and follow-up notes; the caller
    commits and has the files rebuilt. 409 if already issued or still being built; an issued
    brief whose build failed (the queue was down) is built again, with its number."""
    if brief.issued and brief.status != "failed":  # a failed build of an issued brief may be tried again
        raise _conflict(N_("This brief has already been issued."), "issue_number", brief.issue_number)
    if brief.status not in ("done", "failed"):
        raise _conflict(N_("The brief is not ready yet."), "status", brief.status)
    if not brief.issued:
        today = clock.today()
        brief.issuing_office = issuing_office(brief.community_id)[:100]
        brief.issue_year = today.year
        brief.issued_on = today
        brief.issue_number = allocate_number(brief.issuing_office, today.year)
        brief.issued_by = actor
    brief.title = data.get("title") or None
    brief.followup_notes = data.get("followup_notes") or None
    brief.locale = locale
    brief.status, brief.progress, brief.error, brief.finished_at = "queued", 0, None, None
    return brief


def _conflict(message, field: str, current) -> Exception:
    from wuye_core.plugins import Conflict

    return Conflict(message, {field: current})


# --- typical cases ------------------------------------------------------------------------------


def _person_and_resident(person_id: int) -> tuple[CarePerson, Resident | None]:
    person = db.session.get(CarePerson, person_id)
    resident = db.session.get(Resident, person.resident_id) if person.resident_id else None
    return person, resident


def check_anonymous(text: str, person: CarePerson, resident: Resident | None, field: str = "text") -> None:
    """422 when `text` names the person, or holds a phone or ID number (theirs or anyone's)."""
    if _PHONE.search(text) or _ID_NUMBER.search(text):
        invalid(field, N_("No phone or ID numbers in a case: the brief is anonymised."))
    secrets = [resident.name, resident.phone, resident.id_card] if resident else []
    secrets += [person.id_number]
    for secret in secrets:
        if secret and len(secret) >= 2 and secret in text:
            invalid(field, N_("Do not name the person: the brief shows them anonymised (e.g. an elderly "
                              "person living alone, 80)."))
        # a Chinese name without its surname (兰兰, 桂兰) names the person too
        if resident and secret == resident.name and len(secret) >= 3 and secret[1:] in text:
            invalid(field, N_("Do not name the person: the brief shows them anonymised (e.g. an elderly "
                              "person living alone, 80)."))


def mark_case(brief: CareBrief, visit: CareVisit, text: str, actor: str) -> CareBriefCase:
    if brief.issued:
        raise _conflict(N_("This brief has already been issued."), "issue_number", brief.issue_number)
    if brief.community_id is not None and visit.community_id != brief.community_id:
        invalid("visit_id", N_("The visit is not in the brief's community."), location="path")
    if not brief.period_start <= visit.visited_on <= brief.period_end:
        invalid("visit_id", N_("The visit is not in the brief's period."), location="path")
    person, resident = _person_and_resident(visit.person_id)
    if person.erased_at is not None:
        raise _conflict(N_("This record was erased at the person's request."), "status", "erased")
    check_anonymous(text, person, resident)
    case = db.session.scalar(
        select(CareBriefCase).where(CareBriefCase.brief_id == brief.id, CareBriefCase.visit_id == visit.id))
    if case is None:
        count = len(cases_of(brief.id))
        if count >= MAX_CASES:
            raise _conflict(N_("At most %(max)s typical cases per brief.", max=MAX_CASES), "cases", count)
        case = CareBriefCase(brief_id=brief.id, community_id=visit.community_id, visit_id=visit.id,
                             person_id=visit.person_id, text=text, created_by=actor)
        db.session.add(case)
    else:
        case.text, case.created_by = text, actor
    db.session.flush()
    return case


def cases_of(brief_id: int) -> list[CareBriefCase]:
    return list(db.session.scalars(
        select(CareBriefCase).where(CareBriefCase.brief_id == brief_id).order_by(CareBriefCase.id)).all())


# Labels of the anonymised person, most telling first: (difficulty codes all present, label).
_WHO = [
    ({"living_alone", "elderly"}, N_("elderly person living alone")),
    ({"widowed_childless", "elderly"}, N_("widowed or childless elderly person")),
    ({"disability"}, N_("resident with a disability")),
    ({"elderly"}, N_("elderly resident")),
    ({"living_alone"}, N_("resident living alone")),
    ({"single_parent"}, N_("single-parent family")),
    ({"illness"}, N_("resident in poor health")),
    ({"economic"}, N_("family in economic hardship")),
    ({"schooling"}, N_("family with a child at school")),
]
_SOMEONE = N_("resident in difficulty")  # mental disorder or none: no diagnosis in a brief


def case_label(difficulty_flags: int, birth_year: int | None, year: int, community: str | None = None) -> str:
    """`某独居老人（80岁）` / `Elderly person living alone (aged 80)`: codes and an age, no name."""
    codes = set(vocab.from_flags(difficulty_flags, vocab.DIFFICULTIES))
    age = year - birth_year if birth_year and 0 < year - birth_year < 130 else None
    if age is not None and age >= ELDERLY_AGE:
        codes.add("elderly")
    who = next((label for needed, label in _WHO if needed <= codes), _SOMEONE).translate()
    label = _("%(who)s (aged %(age)s)", who=who, age=age) if age is not None else _("%(who)s", who=who)
    return _("%(community)s: %(label)s", community=community, label=label) if community else label


def brief_year(brief: CareBrief) -> int:
    """The year a case's age is counted in: the issue's, or this year for a draft."""
    return (brief.issued_on or clock.today()).year


def case_rows(brief: CareBrief, year: int) -> list[dict]:
    """The brief's cases, each with its anonymised label, the visit's date and the lead's text."""
    cases = cases_of(brief.id)
    if not cases:
        return []
    rows = db.session.execute(
        select(CareBriefCase.id, CarePerson.difficulty_flags, Resident.birth_year, Community.name,
               CareVisit.visited_on)
        .join(CarePerson, CarePerson.id == CareBriefCase.person_id)
        .join(CareVisit, CareVisit.id == CareBriefCase.visit_id)
        .join(Community, Community.id == CareBriefCase.community_id)
        .outerjoin(Resident, Resident.id == CarePerson.resident_id)
        .where(CareBriefCase.brief_id == brief.id)
    ).all()
    info = {row[0]: row[1:] for row in rows}
    out = []
    for case in cases:
        flags, birth_year, community, visited_on = info[case.id]
        out.append({
            "id": case.id,
            "visit_id": case.visit_id,
            "person_id": case.person_id,
            "visited_on": visited_on,
            "label": case_label(flags, birth_year, year, community if brief.community_id is None else None),
            "text": case.text,
            "created_by": case.created_by,
        })
    return out


# --- quoted free text -----------------------------------------------------------------------------


def scrub(text: str, names: set[str]) -> str:
    """A free text as a brief may quote it: the people's names replaced, phones and ID numbers masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_card(m.group(0)) or "", text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)) or "", text)
    for name in sorted((n for n in names if n and len(n) >= 2), key=len, reverse=True):
        text = text.replace(name, _("someone"))
    return text
