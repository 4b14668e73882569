"""催缴: reminders to households in arrears (figures area).

- **Who is due a reminder** (`due`): the fee units with open bills at least the community's
  `reminder_after_days` past their due date, one row per unit: what those bills owe, how many,
  the oldest due date, the household (the bills' household at billing time; the newest when they
  differ) and when the unit was last reminded. One statement.
- **Texts** (`send_reminders`, the job `send_reminders`): ONE text per household, whatever the
  number of its units (a home and a parking space), to the household's first resident in the
  register with a mainland mobile number (the lowest id: the register has no 户主 flag, and the
  person registered first is in practice the one who registered the home; rows marked as
  duplicates are skipped). A unit let to someone outside the register (a shop's or a parking
  space's own payer, `payer_phone`) is texted on its payer's phone instead, on its own. Nobody is
  texted twice within the community's `reminder_every_days`: a text counts from the moment it is
  reserved (result `sending`), so a second run at the same time (the daily schedule and a person
  in the console) waits on the units' row locks and then finds it — a run that dies between
  reserving and sending leaves `sending`, and that household waits for the next interval rather
  than risk a second text. A household with no mobile number is not texted (counted as
  `no_phone`; the console's list shows it for a visit or a call).
- The text is in Chinese (an SMS is written in the tenant's language, as the core's are), names
  the amount overdue in yuan and links to 我的物业费 (`resident_link`: outside a request it needs
  WUYE_PUBLIC_URL; without it the text goes without the link and says where to look). It is sent
  after the commit that stored its Reminder (the core's `send_sms`, API 1.13), whose result is
  then `sent` (a provider took it), `logged` (no SMS provider: the core wrote it to its log) or
  `failed`.
- **By hand** (`record_manual`): a visit, a phone call or a written notice, recorded by a cashier
  (result `noted`).
- The residents' page shows the reminder too: a banner on 我的物业费 while anything is overdue
  (resident.py) — nothing to send.

The job runs daily (SCHEDULES) for every community where the plugin is on and its config
`reminders` is on, and on demand from the console or the API (`start`, throttled per user).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from wuye_core.plugins import (
    Community,
    DomainError,
    Resident,
    Schedule,
    commit,
    db,
    enqueue_job,
    get_for_update,
    invalid,
    local_today,
    plugin_config,
    plugin_enabled,
    resident_link,
    send_sms,
    store_note,
    throttle,
    use_locale,
)

from .access import NAME
from .bill_state import OPEN, OWED
from .i18n import N_, _
from .models import Bill, FeeUnit, Reminder
from .money import yuan

log = logging.getLogger(__name__)

DAY = 24 * 3600
MANUAL_CHANNELS = ("visit", "phone", "notice")
SMS_PURPOSE = "fees_reminder"
# a text counts against the interval from its reservation on; a failed one does not
COUNTED_RESULTS = ("sending", "sent", "logged")
RESULTS = {
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "logged": N_("Logged (no SMS service)"),
    "failed": N_("Failed"),
    "noted": N_("Recorded"),
}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
RESIDENT_PAGE = "/h5/plugins/fees/"


def settings(community_id: int) -> dict:
    config = plugin_config(NAME, community_id) or {}
    return {"after": int(config.get("reminder_after_days", 30)), "every": int(config.get("reminder_every_days", 30)),
            "on": bool(config.get("reminders", True))}


def _digits(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


# --- who is due a reminder -----------------------------------------------------------------------------


def due(community_id: int, today: date | None = None, after_days: int | None = None) -> list[dict]:
    """The fee units with open bills ≥ `after_days` (the config's `reminder_after_days`) past due,
    most owed first; one statement: {"fee_unit_id", "label", "site_id", "household_id",
    "owed_fen", "bills", "oldest_due_on", "last_reminded_at", "has_payer"}."""
    today = today or local_today()
    after = settings(community_id)["after"] if after_days is None else after_days
    last = (select(Reminder.fee_unit_id, func.max(Reminder.sent_at).label("at"))
            .where(Reminder.community_id == community_id, Reminder.result != "failed")
            .group_by(Reminder.fee_unit_id).subquery())
    rows = db.session.execute(
        select(FeeUnit.id, FeeUnit.label, FeeUnit.site_id, func.max(Bill.household_id), func.sum(OWED),
               func.count(Bill.id), func.min(Bill.due_on), func.max(last.c.at), FeeUnit.payer_name)
        .join(Bill, Bill.fee_unit_id == FeeUnit.id)
        .outerjoin(last, last.c.fee_unit_id == FeeUnit.id)
        .where(Bill.community_id == community_id, OPEN, Bill.due_on <= today - timedelta(days=after))
        .group_by(FeeUnit.id, FeeUnit.label, FeeUnit.site_id, FeeUnit.payer_name)
        .order_by(func.sum(OWED).desc(), FeeUnit.id)
    ).all()
    return [{"fee_unit_id": uid, "label": label, "site_id": site_id, "household_id": household_id,
             "owed_fen": int(owed or 0), "bills": int(bills), "oldest_due_on": oldest, "last_reminded_at": at,
             "has_payer": bool(payer)}
            for uid, label, site_id, household_id, owed, bills, oldest, at, payer in rows if int(owed or 0) > 0]


# --- texts ---------------------------------------------------------------------------------------------


def _phones_of_households(household_ids) -> dict[int, str]:
    """{household id: the first resident's mobile number} (lowest id, duplicates skipped); one statement."""
    ids = sorted({h for h in household_ids if h})
    if not ids:
        return {}
    out: dict[int, str] = {}
    for household_id, phone in db.session.execute(
        select(Resident.household_id, Resident.phone)
        .where(Resident.household_id.in_(ids), Resident.phone.is_not(None), Resident.duplicate_of.is_(None))
        .order_by(Resident.household_id, Resident.id)
    ).all():
        digits = _digits(phone)
        if household_id not in out and MOBILE.match(digits):
            out[household_id] = digits
    return out


def reminder_text(community_name: str, owed_fen: int, bills: int, link: str | None) -> str:
    """The text, in Chinese (the SMS's language, whoever started the run)."""
    with use_locale("zh_CN"):
        text = _("%(community)s: your household has %(bills)s property-fee bill(s) overdue, %(amount)s yuan in all. "
                 "Please pay soon at the property service office or online.", community=community_name, bills=bills,
                 amount=yuan(owed_fen, True))
        if link:
            return text + " " + _("Details: %(link)s", link=link)
        return text + " " + _("Details: My property fees, on the residents' page.")


def _link(community_id: int) -> str | None:
    try:
        return resident_link(community_id, RESIDENT_PAGE)
    except RuntimeError:  # outside a request without WUYE_PUBLIC_URL
        log.warning("fees reminders: no WUYE_PUBLIC_URL, the texts go without their link")
        return None


def send_reminders(community_id: int, by: str, today: date | None = None) -> dict:
    """Text the households (and outside payers) due a reminder and not texted within the
    interval; records a Reminder each (see the module's doc). Commits: the reservations before
    sending, the results after. Returns counts: {"due", "texted", "sent", "logged", "failed",
    "recent", "no_phone"}."""
    today = today or local_today()
    conf = settings(community_id)
    rows = due(community_id, today, conf["after"])
    counts = {"due": len(rows), "texted": 0, "sent": 0, "logged": 0, "failed": 0, "recent": 0, "no_phone": 0}
    if not rows:
        return counts
    # lock the units (a second run waits here, then sees the first one's reservations)
    for unit_id in sorted(r["fee_unit_id"] for r in rows):
        get_for_update(FeeUnit, unit_id)
    units = {u.id: u for u in db.session.scalars(select(FeeUnit).where(
        FeeUnit.id.in_([r["fee_unit_id"] for r in rows])))}
    targets: dict[tuple, dict] = {}
    for row in rows:
        unit = units[row["fee_unit_id"]]
        payer = _digits(unit.payer_phone) if unit.payer_phone else ""
        if payer or row["household_id"] is None:
            key = ("unit", unit.id)
        else:
            key = ("household", row["household_id"])
        target = targets.setdefault(key, {"household_id": None if key[0] == "unit" else key[1], "units": [],
                                          "owed_fen": 0, "bills": 0, "phone": payer or None})
        target["units"].append(unit.id)
        target["owed_fen"] += row["owed_fen"]
        target["bills"] += row["bills"]
    household_phones = _phones_of_households(target["household_id"] for target in targets.values())
    since = datetime.now(UTC) - timedelta(days=conf["every"])
    recent = db.session.execute(
        select(Reminder.household_id, Reminder.fee_unit_id)
        .where(Reminder.community_id == community_id, Reminder.channel == "sms",
               Reminder.result.in_(COUNTED_RESULTS), Reminder.sent_at >= since)
    ).all()
    recent_households = {h for h, _u in recent if h is not None}
    recent_units = {u for h, u in recent if h is None}
    sending: list[tuple[Reminder, str]] = []
    for key, target in targets.items():
        if (key[0] == "household" and key[1] in recent_households) or (
                key[0] == "unit" and key[1] in recent_units):
            counts["recent"] += 1
            continue
        phone = target["phone"] or household_phones.get(target["household_id"])
        if not phone or not MOBILE.match(phone):
            counts["no_phone"] += 1
            continue
        reminder = Reminder(community_id=community_id, fee_unit_id=min(target["units"]),
                            household_id=target["household_id"], channel="sms", owed_fen=target["owed_fen"],
                            bills=target["bills"], result="sending", sent_by=by, sent_at=datetime.now(UTC))
        db.session.add(reminder)
        sending.append((reminder, phone))
    db.session.flush()
    if not sending:
        return counts
    commit()  # the reservations first: the texts go after the commit that stored them
    community = db.session.get(Community, community_id)
    link = _link(community_id)
    for reminder, phone in sending:
        text = reminder_text(community.name, reminder.owed_fen, reminder.bills, link)
        try:
            reminder.result = "sent" if send_sms(phone, text, SMS_PURPOSE) else "logged"
        except DomainError:
            reminder.result = "failed"
            reminder.note = store_note(N_("Not a mainland mobile number."), 300)
        except Exception:  # a provider's failure must not lose the other households' results
            log.exception("fees reminders: texting failed")
            reminder.result = "failed"
            reminder.note = store_note(N_("The text could not be sent."), 300)
        counts[reminder.result] += 1
        counts["texted"] += 1
    commit()
    return counts


def communities_to_remind() -> list[int]:
    """The tenant's communities where the plugin is on and its config `reminders` is on."""
    ids = db.session.scalars(select(Community.id).order_by(Community.id)).all()
    return [cid for cid in ids if plugin_enabled(NAME, cid) and settings(cid)["on"]]


def send_reminders_job(tenant_id: int, community_id: int | None = None, by: str = "system", **_kw) -> dict:
    """The job: one community (started by a person: it runs even when the daily reminders are
    off), or every community whose config `reminders` is on (the daily schedule)."""
    if community_id is not None:
        if not plugin_enabled(NAME, community_id):
            return {}
        return {community_id: send_reminders(community_id, by)}
    return {cid: send_reminders(cid, by) for cid in communities_to_remind()}


def start(community_id: int, by: str) -> dict:
    """Start the job for a community from the console or the API (throttled per user): 202
    {"queued", "due"}."""
    count = len(due(community_id))
    throttle("fees_reminders")
    commit()
    queued = enqueue_job(NAME, "send_reminders", community_id=community_id, by=by)
    return {"queued": bool(queued), "due": count}


# --- by hand -------------------------------------------------------------------------------------------


def record_manual(community_id: int, fee_unit_id: int, channel: str, note: str | None, by: str) -> Reminder:
    """A visit, a phone call or a written notice (result `noted`), with what the unit owes past due now."""
    if channel not in MANUAL_CHANNELS:
        invalid("channel", N_("Choose a visit, a phone call or a written notice."))
    unit = db.session.get(FeeUnit, fee_unit_id)
    if unit is None or unit.community_id != community_id:
        invalid("fee_unit_id", N_("No such fee unit in this community."))
    today = local_today()
    owed, bills, household_id = db.session.execute(
        select(func.coalesce(func.sum(OWED), 0), func.count(Bill.id), func.max(Bill.household_id))
        .where(Bill.fee_unit_id == unit.id, OPEN, Bill.due_on < today)
    ).one()
    reminder = Reminder(community_id=community_id, fee_unit_id=unit.id, household_id=household_id, channel=channel,
                        owed_fen=int(owed), bills=int(bills), result="noted", note=note, sent_by=by,
                        sent_at=datetime.now(UTC))
    db.session.add(reminder)
    db.session.flush()
    return reminder


JOBS = {"send_reminders": send_reminders_job}
SCHEDULES = [Schedule("send_reminders", "send_reminders", DAY)]
