"""Insurance (保险): the policies of a worker — 养老、医疗、失业、工伤 and the accident cover the
company buys — each of one kind, with its insurer, number, period and premium.

Rules: a policy starts on or before it ends; a worker's policies of one kind do not overlap (409
naming `starts_on`); only the roster manager adds, corrects (audited `amended`) or deletes a
mistaken one. "Insured" (config `required_insurance`): holding, today, a valid policy of every
required kind. The alerts: policies of workers on post that end within `insurance_alert_days`,
and workers on post lacking a valid policy of a required kind today."""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    Conflict,
    StrictSchema,
    Text,
    db,
    get_for_update,
    invalid,
    local_today,
    record_audit,
)

from . import vocab
from .access import NAME, require_manager
from .figures import on_post_workers, required_kinds, settings, valid_on
from .i18n import N_
from .models import Policy, Worker

KIND_DOC = "险种 / kind: " + ", ".join(vocab.INSURANCE_KINDS)
EDITABLE = ("kind", "insurer", "policy_no", "starts_on", "ends_on", "premium_fen")


class InsurancePolicyIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(vocab.INSURANCE_KINDS)),
                         metadata={"description": KIND_DOC})
    insurer = Text(100, required=True, min_length=1, metadata={"description": "承保单位 / the insurer"})
    policy_no = Text(100, allow_none=True, load_default=None, metadata={"description": "保单号 / policy number"})
    starts_on = fields.Date(required=True, metadata={"description": "起保日期 / first day covered"})
    ends_on = fields.Date(required=True, metadata={"description": "终保日期（含）/ last day covered"})
    premium_fen = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 100_000_000),
                                 metadata={"description": "保费（分）/ premium, in fen"})


class InsurancePolicyPatch(StrictSchema):
    kind = fields.String(validate=validate.OneOf(list(vocab.INSURANCE_KINDS)), metadata={"description": KIND_DOC})
    insurer = Text(100, min_length=1)
    policy_no = Text(100, allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    premium_fen = fields.Integer(allow_none=True, validate=validate.Range(0, 100_000_000))


class InsurancePolicyOut(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    worker_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda p: vocab.label(vocab.INSURANCE_KINDS, p.kind))
    insurer = fields.String()
    policy_no = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    premium_fen = fields.Integer(allow_none=True)
    valid_today = fields.Function(lambda p: p.starts_on <= local_today() <= p.ends_on,
                                  metadata={"description": "今天有效 / in force today"})
    created_by = fields.String()
    created_at = fields.DateTime()


# --- rules ----------------------------------------------------------------------------------------------


def _check(worker_id: int, kind: str, starts_on: date, ends_on: date, policy_id: int | None = None) -> None:
    """A policy's period: ordered, and not overlapping another of the worker's of the same kind."""
    if starts_on > ends_on:
        invalid("ends_on", N_("A policy ends on or after the day it starts."))
    clash = db.session.scalar(
        select(Policy).where(
            Policy.worker_id == worker_id,
            Policy.kind == kind,
            Policy.id != (policy_id or 0),
            Policy.starts_on <= ends_on,
            Policy.ends_on >= starts_on,
        ).order_by(Policy.starts_on).limit(1)
    )
    if clash is not None:
        message = N_("The worker already holds a policy of this kind from %(starts)s to %(ends)s: "
                     "the periods of one kind may not overlap.",
                     starts=clash.starts_on.isoformat(), ends=clash.ends_on.isoformat())
        raise Conflict(message, {"json": {"starts_on": [message]}})


def _worker_locked(worker_id: int) -> Worker:
    """The worker, locked: two policies added at once for one worker are checked one after the other."""
    worker = get_for_update(Worker, worker_id)
    if worker is None:
        invalid("worker_id", N_("Does not exist."))
    return worker


def add_policy(worker_id: int, data: dict, actor: str) -> Policy:
    worker = db.session.get(Worker, worker_id)
    require_manager(worker.community_id)
    worker = _worker_locked(worker_id)
    if worker.erased_at is not None:
        raise Conflict(N_("This worker's file was erased."))
    _check(worker.id, data["kind"], data["starts_on"], data["ends_on"])
    policy = Policy(community_id=worker.community_id, worker_id=worker.id, created_by=actor,
                    **{k: data.get(k) for k in EDITABLE})
    db.session.add(policy)
    db.session.flush()
    return policy


def change_policy(policy_id: int, data: dict) -> Policy:
    """Correct a policy (the roster manager): checked as a new one, audited `amended` (the fields
    changed, not their values)."""
    policy = db.session.get(Policy, policy_id)
    require_manager(policy.community_id)
    _worker_locked(policy.worker_id)
    policy = get_for_update(Policy, policy_id)
    merged = {k: data.get(k, getattr(policy, k)) for k in EDITABLE}
    _check(policy.worker_id, merged["kind"], merged["starts_on"], merged["ends_on"], policy.id)
    changed = sorted(k for k in data if getattr(policy, k) != data[k])
    for key in changed:
        setattr(policy, key, data[key])
    if changed:
        record_audit(NAME, "amended", target_type="policy", target_id=policy.id, details={"fields": changed})
    return policy


def delete_policy(policy_id: int) -> None:
    """Delete a policy entered by mistake (the roster manager), audited."""
    policy = db.session.get(Policy, policy_id)
    require_manager(policy.community_id)
    policy = get_for_update(Policy, policy_id)
    record_audit(NAME, "amended", target_type="policy", target_id=policy.id,
                 details={"deleted": True, "worker_id": policy.worker_id, "kind": policy.kind})
    db.session.delete(policy)


def policies_of(worker_id: int) -> list[Policy]:
    return list(db.session.scalars(
        select(Policy).where(Policy.worker_id == worker_id).order_by(Policy.kind, Policy.starts_on.desc())
    ).all())


# --- alerts ---------------------------------------------------------------------------------------------


def _names(worker_ids) -> dict[int, str]:
    ids = set(worker_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Worker.id, Worker.name).where(Worker.id.in_(ids))).all())


def alerts(community_id: int, day: date | None = None, config: dict | None = None) -> dict:
    """What needs doing about insurance on `day` (today): the policies of workers on post that end
    within the alert days, and the workers on post without a valid policy of a required kind.
    Three queries, whatever the roster's size."""
    day = day or local_today()
    config = settings(community_id, config)
    alert_days = config.get("insurance_alert_days", 30)
    required = required_kinds(config)
    on_post = on_post_workers(community_id, day)
    expiring = list(db.session.scalars(
        select(Policy).where(Policy.worker_id.in_(on_post), Policy.ends_on >= day,
                             Policy.ends_on <= day + timedelta(days=alert_days))
        .order_by(Policy.ends_on, Policy.id)
    ).all())
    held = db.session.execute(
        select(Worker.id, Policy.kind)
        .outerjoin(Policy, (Policy.worker_id == Worker.id) & valid_on(day) & Policy.kind.in_(required or ("",)))
        .where(Worker.id.in_(on_post))
    ).all()
    kinds: dict[int, set] = {}
    for worker_id, kind in held:
        kinds.setdefault(worker_id, set()).update({kind} if kind else set())
    names = _names(set(kinds) | {p.worker_id for p in expiring})
    uninsured = [
        {"worker_id": wid, "worker_name": names.get(wid, ""),
         "missing": [k for k in required if k not in have],
         "missing_labels": [vocab.label(vocab.INSURANCE_KINDS, k) for k in required if k not in have]}
        for wid, have in kinds.items() if any(k not in have for k in required)
    ]
    uninsured.sort(key=lambda u: (u["worker_name"], u["worker_id"]))
    return {
        "day": day,
        "alert_days": alert_days,
        "required": list(required),
        "expiring": [
            {"policy_id": p.id, "worker_id": p.worker_id, "worker_name": names.get(p.worker_id, ""), "kind": p.kind,
             "kind_label": vocab.label(vocab.INSURANCE_KINDS, p.kind), "insurer": p.insurer,
             "policy_no": p.policy_no, "ends_on": p.ends_on, "days_left": (p.ends_on - day).days}
            for p in expiring
        ],
        "uninsured": uninsured,
    }
