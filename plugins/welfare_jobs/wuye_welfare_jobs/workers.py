"""公益岗位人员: a worker's file — register, change, list (masked), documents.

The ID number (18 characters, check digit verified) gives the birth date and gender, kept in the
clear for the retirement-age rules; it is stored encrypted, as are the phone and bank account. A
tenant holds one file per ID number: the check decrypts the files with the same birth date, under
the community's Roster row lock (two clerks registering the same person at once: one wins).

Managers see the file in full (nothing is recorded for a look); team leaders see it with every
personal value left out or masked; documents are the manager's, and each download is recorded in
the core's audit trail (`welfare_jobs.exported`).
"""

from __future__ import annotations

import base64
import re
from datetime import date

from sqlalchemy import select

from wuye_core.plugins import (
    Building,
    Household,
    Resident,
    Site,
    Unit,
    db,
    invalid,
    local_today,
    mask_id_card,
    mask_phone,
    plugin_config,
    staff_identity,
    staff_names,
)

from . import tenure, vocab
from .access import NAME, WORKER
from .i18n import N_
from .models import Placement, Post, Worker, WorkerDocument
from .roster import conflict, lock_roster, retirement_day
from .schemas_roster import DOCUMENT_KINDS

FIELDS = ("name", "id_number", "phone", "group", "evidence_ref", "land_acquired_year", "land_village", "bank_name",
          "bank_account", "resident_id", "staff_user_id")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECKS = "10X98765432"
MAX_DOCUMENT = 5 * 1024 * 1024
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


def parse_id_number(number: str, field: str = "id_number") -> tuple[str, date, str]:
    """(the number normalised, birth date, gender) of a mainland 18-character ID number; 422 naming
    `field` when its form, check digit or birth date is wrong."""
    number = (number or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        invalid(field, N_("An ID number has 17 digits and a check digit (a digit or X)."))
    if CHECKS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11] != number[17]:
        invalid(field, N_("Not a valid ID-card number."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > local_today():
        invalid(field, N_("The ID number holds no possible birth date."))
    return number, born, "male" if int(number[16]) % 2 else "female"


def _check(community_id: int, values: dict, worker: Worker | None) -> tuple[str, date, str]:
    number, born, gender = parse_id_number(values["id_number"])
    phone = values.get("phone")
    if phone and not re.fullmatch(r"1[3-9]\d{9}", phone):
        invalid("phone", N_("A mobile number has 11 digits and starts with 13–19."))
    if not values.get("evidence_ref"):
        invalid("evidence_ref", N_("Give the reference of the evidence that the person belongs to the group."))
    if values["group"] == "landless_farmer":
        year = values.get("land_acquired_year")
        if year is None:
            invalid("land_acquired_year", N_("Give the year the land was acquired."))
        if not 1950 <= year <= local_today().year:
            invalid("land_acquired_year", N_("The year must lie between 1950 and this year."))
        if not values.get("land_village"):
            invalid("land_village", N_("Give the village the land was acquired from."))
    if values.get("bank_account") and not re.fullmatch(r"\d{12,30}", values["bank_account"]):
        invalid("bank_account", N_("A bank account has 12 to 30 digits."))
    if values.get("bank_account") and not values.get("bank_name"):
        invalid("bank_name", N_("Give the bank of the account."))
    if values.get("bank_name") and not values.get("bank_account"):
        invalid("bank_account", N_("Give the account at this bank."))
    if values.get("resident_id") is not None:
        resident = db.session.get(Resident, values["resident_id"])
        if resident is None or resident.community_id != community_id:
            invalid("resident_id", N_("Does not exist in this community."))
    if values.get("staff_user_id") is not None:
        identity = staff_identity(values["staff_user_id"])
        if identity is None or not identity.has_role(WORKER, community_id):
            invalid("staff_user_id", N_("The sign-in must be an active staff user holding the worker role here."))
        other = db.session.scalar(select(Worker.id).where(
            Worker.staff_user_id == values["staff_user_id"], Worker.id != (worker.id if worker else 0),
            Worker.erased_at.is_(None)))
        if other is not None:
            raise conflict("staff_user_id", N_("This sign-in belongs to another worker already."))
    # one file per ID number in the tenant: the files born that day, decrypted (a handful)
    for other in db.session.scalars(select(Worker).where(
            Worker.birth_date == born, Worker.id != (worker.id if worker else 0), Worker.erased_at.is_(None))):
        if (other.id_number or "").upper() == number:
            raise conflict("id_number", N_("A worker with this ID number is on the roster already."))
    return number, born, gender


def _apply(worker: Worker, values: dict, number: str, born: date, gender: str) -> None:
    for key in FIELDS:
        setattr(worker, key, values.get(key))
    worker.id_number, worker.birth_date, worker.gender = number, born, gender


def register_worker(community_id: int, data: dict, actor: str) -> Worker:
    """A new worker's file in the community (WorkerIn's fields); the Roster row locked for the
    duplicate-ID check. 422 naming the field, 409 on a duplicate ID number (`id_number`)."""
    lock_roster(community_id)
    values = {key: data.get(key) for key in FIELDS}
    number, born, gender = _check(community_id, values, None)
    worker = Worker(community_id=community_id, created_by=actor)
    _apply(worker, values, number, born, gender)
    db.session.add(worker)
    db.session.flush()
    return worker


def update_worker(worker: Worker, data: dict) -> Worker:
    """Change some fields of a file (not an erased one: 409); checked as a whole, under the lock."""
    if worker.erased_at is not None:
        raise conflict("worker_id", N_("This worker's file was erased."))
    lock_roster(worker.community_id)
    values = {key: getattr(worker, key) for key in FIELDS}
    values.update({key: value for key, value in data.items() if key in FIELDS})
    number, born, gender = _check(worker.community_id, values, worker)
    _apply(worker, values, number, born, gender)
    return worker


# --- reading ---------------------------------------------------------------------------------------


def list_query(community_id: int, args: dict):
    stmt = select(Worker).where(Worker.community_id == community_id)
    if args.get("q"):
        stmt = stmt.where(Worker.name.like(f"%{args['q']}%"))
    if "group" in args:
        stmt = stmt.where(Worker.group == args["group"])
    if "on_post" in args:
        current = select(Placement.worker_id).where(tenure.on_post(local_today()))
        stmt = stmt.where(Worker.id.in_(current) if args["on_post"] else Worker.id.not_in(current))
    return stmt


def current_placements(worker_ids) -> dict[int, tuple[Placement, str]]:
    """{worker id: (the placement covering today, its post's name)}."""
    ids = list(worker_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Placement, Post.name).join(Post, Post.id == Placement.post_id).where(
        Placement.worker_id.in_(ids), tenure.on_post(local_today()))).all()
    return {p.worker_id: (p, name) for p, name in rows}


def _masked_account(account: str | None) -> str | None:
    return f"****{account[-4:]}" if account else None


def worker_row(worker: Worker, current: dict) -> dict:
    placement, post_name = current.get(worker.id, (None, None))
    return {
        "id": worker.id, "community_id": worker.community_id, "name": worker.name, "gender": worker.gender,
        "id_number_masked": mask_id_card(worker.id_number), "phone_masked": mask_phone(worker.phone),
        "group": worker.group, "group_label": vocab.label(vocab.GROUPS, worker.group),
        "post_id": placement.post_id if placement else None, "post_name": post_name,
        "placement_ends_on": tenure.last_day(placement) if placement else None,
        "erased": worker.erased_at is not None,
    }


def workers_out(workers: list[Worker]) -> list[dict]:
    current = current_placements(w.id for w in workers)
    return [worker_row(w, current) for w in workers]


def where_they_live(resident_id: int | None) -> str | None:
    """小区 1栋 1-101: the resident's home in the register."""
    if resident_id is None:
        return None
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        return None
    site = db.session.get(Site, resident.site_id)
    building = db.session.get(Building, resident.building_id)
    household = db.session.get(Household, resident.household_id)
    unit = db.session.get(Unit, household.unit_id) if household else None
    room = (f"{unit.entrance}-{unit.number}" if unit.entrance else unit.number) if unit else ""
    return " ".join(part for part in (site.name if site else "", building.name if building else "", room) if part)


def worker_detail(worker: Worker, full: bool) -> dict:
    """A worker's file: in full for a manager (`full`), else personal values left out."""
    from .placements import placements_out

    out = worker_row(worker, current_placements([worker.id]))
    config = plugin_config(NAME, worker.community_id)
    placements = db.session.scalars(select(Placement).where(Placement.worker_id == worker.id)
                                    .order_by(Placement.starts_on.desc(), Placement.id.desc())).all()
    out.update(masked=not full, retires_on=retirement_day(worker.birth_date, worker.gender, config),
               created_by=worker.created_by, resident_id=worker.resident_id, staff_user_id=worker.staff_user_id,
               staff_name=None, bank_account_masked=_masked_account(worker.bank_account),
               placements=[{k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
                           for row in placements_out(list(placements))])
    if worker.staff_user_id:
        identity = staff_identity(worker.staff_user_id)
        out["staff_name"] = staff_names([identity.username])[identity.username] if identity else None
    personal = ("birth_date", "id_number", "phone", "evidence_ref", "land_acquired_year", "land_village",
                "bank_name", "bank_account")
    for key in personal:
        out[key] = getattr(worker, key) if full else None
    out["resident_where"] = where_they_live(worker.resident_id) if full else None
    return out


# --- documents -------------------------------------------------------------------------------------


def sniff(content: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a PDF, JPEG or PNG by its first bytes; None for anything else."""
    for magic, mime, ext in SIGNATURES:
        if content.startswith(magic):
            return mime, ext
    return None


def add_document(worker: Worker, kind: str, filename: str | None, content: bytes, actor: str) -> WorkerDocument:
    """A document in the worker's file (PDF, JPEG or PNG by content, ≤ 5 MiB), stored encrypted."""
    if worker.erased_at is not None:
        raise conflict("worker_id", N_("This worker's file was erased."))
    if kind not in DOCUMENT_KINDS:
        invalid("kind", N_("Not a kind of document."), "form")
    if not content:
        invalid("file", N_("The file is empty."), "files")
    if len(content) > MAX_DOCUMENT:
        invalid("file", N_("The file is larger than 5 MiB."), "files")
    found = sniff(content)
    if found is None:
        invalid("file", N_("This file type is not allowed."), "files")
    mime, ext = found
    name = re.sub(r"[\x00-\x1f/\\]", "_", (filename or "").strip())[-200:] or f"document.{ext}"
    document = WorkerDocument(community_id=worker.community_id, worker_id=worker.id, kind=kind, filename=name,
                              content_type=mime, size=len(content), data=base64.b64encode(content).decode("ascii"),
                              uploaded_by=actor)
    db.session.add(document)
    db.session.flush()
    return document


def documents_of(worker_id: int) -> list[WorkerDocument]:
    return list(db.session.scalars(select(WorkerDocument).where(WorkerDocument.worker_id == worker_id)
                                   .order_by(WorkerDocument.id.desc())))


def document_out(document: WorkerDocument) -> dict:
    return {"id": document.id, "worker_id": document.worker_id, "kind": document.kind,
            "kind_label": vocab.label(DOCUMENT_KINDS, document.kind), "filename": document.filename,
            "content_type": document.content_type, "size": document.size, "uploaded_by": document.uploaded_by,
            "uploaded_at": document.uploaded_at}
