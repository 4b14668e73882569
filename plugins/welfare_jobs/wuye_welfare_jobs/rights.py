"""A resident's rights over the roster's file of them (core hooks `wuye_resident_personal_data`
and `wuye_resident_erase`, API 1.10). A worker is the resident's when the file links their
register row (`Worker.resident_id`).

The copy: the file (ID number masked, the bank account's last 4 digits only) and the placements.
The erasure anonymises the file — name 已删除; ID number, phone, bank, evidence reference, land
village, the links to the register and to a sign-in cleared; the birth date kept as 1 January of
its year (the age for the figures); its documents and health-check findings deleted — and keeps
the placements, attendance and subsidies (financial records, with their amounts).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from wuye_core.plugins import PersonalDataSection, db, local_now, mask_id_card

from . import vocab
from .models import HealthCheck, Placement, Post, Worker, WorkerDocument

ERASED_NAME = "已删除"


def _workers(resident_ids) -> list[Worker]:
    ids = list(resident_ids or [])
    if not ids:
        return []
    return list(db.session.scalars(select(Worker).where(Worker.resident_id.in_(ids), Worker.erased_at.is_(None))
                                   .order_by(Worker.id)))


def personal_data(resident_ids) -> list[PersonalDataSection]:
    found = _workers(resident_ids)
    if not found:
        return []
    files = [{
        "name": w.name, "gender": vocab.label(vocab.GENDERS, w.gender), "birth_date": w.birth_date,
        "id_number_masked": mask_id_card(w.id_number), "phone": w.phone, "group": vocab.label(vocab.GROUPS, w.group),
        "evidence_ref": w.evidence_ref, "land_acquired_year": w.land_acquired_year, "land_village": w.land_village,
        "bank_name": w.bank_name, "bank_account_last4": f"****{w.bank_account[-4:]}" if w.bank_account else None,
        "documents": db.session.query(WorkerDocument).filter(WorkerDocument.worker_id == w.id).count(),
        "created_at": w.created_at} for w in found]
    rows = db.session.execute(select(Placement, Post.name).join(Post, Post.id == Placement.post_id).where(
        Placement.worker_id.in_([w.id for w in found])).order_by(Placement.starts_on, Placement.id)).all()
    placements = [{"post": name, "starts_on": p.starts_on, "ends_on": p.ends_on, "exited_on": p.exited_on,
                   "exit_reason": vocab.label(vocab.EXIT_REASONS, p.exit_reason) or None} for p, name in rows]
    return [
        PersonalDataSection("welfare_jobs.workers", "公益岗位人员档案", "Public-welfare worker's file", files, {
            "name": ("姓名", "Name"), "gender": ("性别", "Gender"), "birth_date": ("出生日期", "Born on"),
            "id_number_masked": ("身份证号（已脱敏）", "ID number (masked)"), "phone": ("手机号", "Phone"),
            "group": ("人员类别", "Group"), "evidence_ref": ("认定材料编号", "Evidence reference"),
            "land_acquired_year": ("征地年份", "Land acquired in"), "land_village": ("被征地村组", "Village"),
            "bank_name": ("开户行", "Bank"), "bank_account_last4": ("银行账号（后四位）", "Bank account (last 4)"),
            "documents": ("档案材料（份数）", "Documents (count)"), "created_at": ("建档时间", "Created")}),
        PersonalDataSection("welfare_jobs.placements", "公益岗位安置", "Placements", placements, {
            "post": ("岗位", "Post"), "starts_on": ("起始日期", "From"), "ends_on": ("约定结束日期", "Agreed end"),
            "exited_on": ("离岗日期", "Left on"), "exit_reason": ("离岗原因", "Reason")}),
    ]


def erase_worker(worker: Worker) -> None:
    """Anonymise one file (see the module); placements, attendance and subsidies stay."""
    worker.name = ERASED_NAME
    for key in ("id_number", "phone", "evidence_ref", "land_village", "bank_name", "bank_account", "resident_id",
                "staff_user_id"):
        setattr(worker, key, None)
    worker.birth_date = date(worker.birth_date.year, 1, 1)
    worker.erased_at = local_now()
    db.session.execute(delete(WorkerDocument).where(WorkerDocument.worker_id == worker.id)
                       .execution_options(synchronize_session=False))
    for check in db.session.scalars(select(HealthCheck).where(HealthCheck.worker_id == worker.id)):
        check.note = None


def erase(resident_ids) -> dict | None:
    found = _workers(resident_ids)
    for worker in found:
        erase_worker(worker)
    db.session.flush()
    return {"workers": len(found)} if found else None  # nothing of theirs here: no line in the outcome
