"""删除请求: a resident asks the tenant to delete their personal information; a tenant admin
approves or refuses it (个人信息保护法 art. 47).

    file_request(account, reason)      the resident's; one pending at a time (409 naming `reason`)
    preview(request)                   what an approval would touch, for the staff deciding
    approve(request_id, identity)      erase or anonymise, all or nothing; the account ends
    refuse(request_id, identity, why)  nothing changes; the reason is shown to the resident

What an approval does, and why (the register is the property company's record of the flats it
serves; PIPL art. 47 lets a processor keep what another law requires, and art. 13(2)-(3) what a
contract or a legal duty needs — those are the staff's reasons to REFUSE, given in words, not a
rule of this code):

- the register's rows with the number: the person is removed from their households (the rows
  deleted, tags with them; `resident_moved_out` told to the plugins as for any removal). The
  households themselves (the flat, its kind, the dates, the number of members) stay: they are
  the company's record of the property, not of the person. An owner whose name a fee contract or
  the owners' assembly (业主名册) needs is a reason to refuse, with that reason;
- tickets they reported (by register row or number): the reporter is masked — the name to its
  first character (张*), the number to 138****1234, the link to the register row cut — and the
  ticket, its history, photos and ratings stay: the service record and the 5341 / satisfaction
  figures are the company's, and the history is append-only. What they wrote on the ticket stays
  too (it describes the fault, not the person; staff may blank a text by hand where it does);
- the plugins erase theirs (hook `wuye_resident_erase`: care_visits erases the care record's
  personal texts and photos and keeps counts); a plugin that fails refuses the approval (409
  naming it) and nothing at all is erased — erasure is whole or not at all;
- the account ends: inactive, its tokens void (`token_version`), its number replaced by
  "erased:<id>"; its consents stay (the proof that processing had a basis, append-only); its
  sign-in codes are deleted. A new sign-in with the number finds no register row: no code;
- the request keeps the number masked and forgets the resident's reason;
- the audit trail records each step by request id and counts only: never the erased values.
  Its earlier rows name the resident by masked number only (resident_access/routes.py).

Not reached: hand-offs already delivered to a linked tenant carry the reporter's name and
number when the link shares contacts (handoffs/): that copy is the partner's, who is a processor
of its own; the audit trail (kept three years, append-only) keeps the masked number.

The resident hears of the decision by text message (the SMS hook, purpose "deletion_request"),
and, when refused, on the residents' page: once approved the account is gone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, cast, delete, literal, select, update

from ..audit import record
from ..auth.models import ResidentAccount
from ..auth.roles import Identity
from ..common.locking import get_for_update
from ..errors import Conflict, NotFound
from ..events import after_commit
from ..events import record as record_event
from ..extensions import db
from ..host.dispatch import call_all_or_nothing
from ..i18n import N_, _, use_locale
from ..notices.models import NoticeText
from ..resident_access.models import SignInCode
from ..resident_access.phones import mask_phone
from ..resident_access.sms import send_text
from ..supervision.tickets import mask_name
from ..tenancy import require_tenant_id
from ..tickets.models import Ticket
from .export import register_rows, reported_by
from .models import DeletionRequest, RequestStatus

ALREADY_WAITING = N_("A deletion request of yours is waiting to be decided already.")
DECIDED = N_("This request has been decided already.")
APPROVED_TEXT = N_("Your request to delete your personal information was approved: it has been erased, "
                   "and your sign-in has ended.")
REFUSED_TEXT = N_("Your request to delete your personal information was refused: %(reason)s")
SMS_PURPOSE = "deletion_request"


def file_request(account: ResidentAccount, reason: str | None) -> DeletionRequest:
    """The resident's request (the caller commits). The account's row is locked first, so two at
    once make one request: the second sees the first and gets 409."""
    get_for_update(ResidentAccount, account.id)
    waiting = db.session.scalar(select(DeletionRequest.id).where(DeletionRequest.account_id == account.id,
                                                                 DeletionRequest.status == RequestStatus.pending))
    if waiting is not None:
        raise Conflict(ALREADY_WAITING, {"json": {"reason": [ALREADY_WAITING]}, "status": "pending",
                                         "request_id": waiting})
    row = DeletionRequest(account_id=account.id, phone=account.phone, reason=reason or None,
                          status=RequestStatus.pending, created_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    record("resident.deletion_requested", target_type="deletion_request", target_id=row.id)
    return row


def get_request(request_id: int) -> DeletionRequest:
    found = db.session.get(DeletionRequest, request_id)
    if found is None:
        raise NotFound()
    return found


def _locked_pending(request_id: int) -> DeletionRequest:
    row = get_for_update(DeletionRequest, request_id)
    if row is None:
        raise NotFound()
    if row.status != RequestStatus.pending:
        raise Conflict(DECIDED, {"status": row.status.value})
    return row


def _their_tickets(digits: str, resident_ids: list[int]) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(reported_by(digits, resident_ids)).order_by(Ticket.id)))


def preview(row: DeletionRequest) -> dict:
    """What approving the request would touch now (for the staff deciding): the register rows
    and their flats, the number of tickets whose reporter would be masked."""
    from .export import households

    if row.status != RequestStatus.pending:
        return {"register": [], "tickets_to_mask": 0}
    residents = register_rows(row.phone)
    places = households(sorted({r.household_id for r in residents}))
    return {"register": [{"resident_id": r.id, "name": r.name, **places.get(r.household_id, {})} for r in residents],
            "tickets_to_mask": len(_their_tickets(row.phone, [r.id for r in residents]))}


_COLUMNS = ("id", "account_id", "phone", "reason", "status", "created_at", "decided_at", "decided_by",
            "refusal_reason", "outcome")


def detail(row: DeletionRequest) -> dict:
    """A request and what approving it would touch (the API's and the console's page)."""
    return {**{c: getattr(row, c) for c in _COLUMNS}, **preview(row)}


def _mask_reporters(digits: str, residents: list) -> int:
    names = {r.id: r.name for r in residents}
    tickets = _their_tickets(digits, list(names))
    for ticket in tickets:
        ticket.reporter_name = mask_name(ticket.reporter_name or names.get(ticket.reporter_resident_id))
        ticket.reporter_phone = mask_phone(digits) if ticket.reporter_phone else None
        ticket.reporter_resident_id = None
    return len(tickets)


def _remove_from_register(residents: list, actor: str) -> int:
    for resident in residents:
        record_event("resident_moved_out", resident.community_id, resident.id, actor=actor,
                     household_id=resident.household_id)
        db.session.delete(resident)
    db.session.flush()
    return len(residents)


def _end_account(account: ResidentAccount | None, digits: str) -> None:
    db.session.execute(delete(SignInCode).where(SignInCode.phone == digits))
    # the urgent notices' texts to the number: kept as counted sends, without the number
    db.session.execute(update(NoticeText).where(NoticeText.phone == digits)
                       .values(phone=literal("erased:", String) + cast(NoticeText.id, String)).execution_options(synchronize_session=False))
    if account is None:
        return
    account.active = False
    account.token_version += 1
    account.phone = f"erased:{account.id}"
    account.last_sign_in_at = None


def approve(request_id: int, identity: Identity) -> DeletionRequest:
    """Erase or anonymise (the module's docstring says what); the caller commits."""
    row = _locked_pending(request_id)
    digits = row.phone
    account = get_for_update(ResidentAccount, row.account_id)
    residents = register_rows(digits)
    resident_ids = [r.id for r in residents]
    plugins = {}
    for plugin, counts in call_all_or_nothing("wuye_resident_erase", tenant_id=require_tenant_id(), phone=digits,
                                              resident_ids=resident_ids):
        if isinstance(counts, dict):  # a plugin that returns nothing had nothing of theirs to report
            plugins[plugin] = {str(k): v for k, v in counts.items() if isinstance(v, int)}
    outcome = {"tickets_masked": _mask_reporters(digits, residents),
               "register_rows_removed": _remove_from_register(residents, identity.username),
               "plugins": plugins}
    _end_account(account, digits)
    row.status, row.decided_at, row.decided_by = RequestStatus.approved, datetime.now(UTC), identity.username
    row.phone, row.reason, row.outcome = mask_phone(digits), None, outcome
    record("resident.deletion_approved", target_type="deletion_request", target_id=row.id, details=outcome)
    after_commit(_tell, require_tenant_id(), digits, APPROVED_TEXT, None)
    return row


def refuse(request_id: int, identity: Identity, reason: str) -> DeletionRequest:
    """Refuse with a reason the resident reads; nothing else changes. The caller commits."""
    row = _locked_pending(request_id)
    row.status, row.decided_at, row.decided_by = RequestStatus.refused, datetime.now(UTC), identity.username
    row.refusal_reason = reason
    record("resident.deletion_refused", target_type="deletion_request", target_id=row.id)
    after_commit(_tell, require_tenant_id(), row.phone, REFUSED_TEXT, reason)
    return row


def _tell(tenant_id: int, digits: str, message: str, reason: str | None) -> None:
    """The decision, by text message, in Chinese (whatever the deciding staff's language)."""
    with use_locale("zh_CN"):
        text = _(message, reason=reason) if reason is not None else _(message)
    send_text(tenant_id, digits, text, SMS_PURPOSE)
