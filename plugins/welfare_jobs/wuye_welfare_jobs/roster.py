"""What the roster's areas (posts, workers, placements) share: the community's Roster row lock,
who reads the roster, and date arithmetic (months, birthdays).

Who reads what (access.py has the roles):
- posts and their vacancies: anyone who reads the community (the core's gate checked it);
  who is on a post (names): the roster manager and the community's team leaders;
- workers' files and placements: the roster manager (ID number, phone and bank account in full)
  and the community's team leaders (the same lists and files, every personal value masked, no
  bank account, no documents); anyone else gets 403;
- every change: the roster manager (`access.require_manager`).
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import Conflict, Forbidden, Identity, db, get_for_update, require_staff

from .access import TEAM_LEADER, is_manager
from .i18n import N_
from .models import Roster


def conflict(field: str, message) -> Conflict:
    """A 409 that names the field whose value meets the current state."""
    return Conflict(message, {"json": {field: [message]}})


def lock_roster(community_id: int) -> Roster:
    """The community's Roster row, created if missing (a racing creator loses on the unique index
    and reads the winner's), locked until the transaction ends: checks of the whole roster (a
    duplicate ID number, a post's headcount, a worker's overlapping placements) run under it."""
    found = db.session.scalar(select(Roster.id).where(Roster.community_id == community_id))
    if found is None:
        try:
            with db.session.begin_nested():
                row = Roster(community_id=community_id)
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            pass  # another request created it first
        found = db.session.scalar(select(Roster.id).where(Roster.community_id == community_id))
    return get_for_update(Roster, found)


def is_leader(identity: Identity, community_id: int) -> bool:
    return identity.has_role(TEAM_LEADER, community_id)


def sees_people(identity: Identity, community_id: int) -> bool:
    """The roster manager or a team leader of the community: workers' names and placements."""
    return is_manager(identity, community_id) or is_leader(identity, community_id)


def require_roster_reader(community_id: int) -> tuple[Identity, bool]:
    """The caller and whether they manage the roster (unmasked); 403 unless manager or team leader."""
    identity = require_staff()
    if is_manager(identity, community_id):
        return identity, True
    if is_leader(identity, community_id):
        return identity, False
    raise Forbidden(N_("Only the roster manager or a team leader of this community may see the workers."))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The birthday `years` later (29 February: 1 March in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def retirement_day(birth_date: date, gender: str, config: dict) -> date:
    """The day the worker reaches the configured retirement age."""
    age = config["retirement_age_male"] if gender == "male" else config["retirement_age_female"]
    return add_years(birth_date, age)
