"""我的物业费: the residents' phone pages (wuye's residents' pages, API 1.12, hook
`wuye_resident_pages`), mounted by wuye under /h5/plugins/fees:

- `/`                            per household of the signed-in resident (`current_resident()`:
                                 only communities where the plugin is on): what is owed now, a
                                 banner while anything is overdue (the reminder on the resident's
                                 page), the open bills (period, amount, discount, paid, owed, due
                                 date), the last payments with their receipts, the unit's payment
                                 code (paying by bank transfer or WeChat), and a link to the
                                 community's public disclosures (the core's /h5/disclosures:
                                 the quarterly statements are published there)
- `/receipts/<payment_id>.pdf`  a payment's receipt, only of one of my households (else 404)

wuye's residents' door runs first (signed in, the privacy notice agreed), then its gate (404
unless the plugin is on for a community of the resident's households). A resident reads no
register and the core does not gate these paths: the receipt's id is checked here against the
resident's households. A bill is the household's when it was billed to it (`Bill.household_id`
at billing time), a payment when it was recorded for it. Pages are small and need no
JavaScript: 375 px first.
"""

from __future__ import annotations

from flask import Blueprint, abort
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    ResidentNavEntry,
    ResidentPart,
    current_resident,
    db,
    download_name,
    download_response,
    local_today,
    render_resident_page,
)

from . import payment_codes, receipts, vocab
from .i18n import _
from .models import Bill, FeeUnit, Payment

NAV_KEY = "fees"
RECENT_PAYMENTS = 10
DISCLOSURES = "/h5/disclosures"
PDF = "application/pdf"

residents = Blueprint("fees_residents", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


def resident_part() -> ResidentPart:
    return ResidentPart(blueprint=residents,
                        nav=(ResidentNavEntry(NAV_KEY, label_zh="物业费", label_en="Property fees", endpoint="home",
                                              order=70),))


def my_households() -> list[int]:
    info = current_resident()
    return sorted(info.household_ids) if info is not None else []


def household_view(household_ids: list[int]) -> list[dict]:
    """Per household: its community, units, open bills, owed, overdue, recent payments. Three
    statements for all of them (bills, payments, units and communities)."""
    if not household_ids:
        return []
    today = local_today()
    bills = list(db.session.scalars(select(Bill).where(Bill.household_id.in_(household_ids), Bill.status == "open")
                                    .order_by(Bill.period_start, Bill.id)))
    payments = list(db.session.scalars(select(Payment).where(Payment.household_id.in_(household_ids))
                                       .order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(RECENT_PAYMENTS * 3)))
    unit_ids = {b.fee_unit_id for b in bills} | {p.fee_unit_id for p in payments if p.fee_unit_id}
    units = {u.id: u for u in db.session.scalars(select(FeeUnit).where(FeeUnit.id.in_(unit_ids or [0])))}
    community_ids = {b.community_id for b in bills} | {p.community_id for p in payments}
    names = dict(db.session.execute(select(Community.id, Community.name)
                                    .where(Community.id.in_(community_ids or [0]))).all())
    out = []
    for household_id in household_ids:
        mine = [b for b in bills if b.household_id == household_id and b.owed_fen > 0]
        paid = [p for p in payments if p.household_id == household_id][:RECENT_PAYMENTS]
        overdue = [b for b in mine if b.due_on < today]
        household_units = sorted({units[b.fee_unit_id].id: units[b.fee_unit_id] for b in mine
                                  if b.fee_unit_id in units}.values(), key=lambda u: u.label)
        community_id = (mine[0].community_id if mine else paid[0].community_id if paid else None)
        out.append({
            "household_id": household_id,
            "community": names.get(community_id, ""),
            "bills": [{"period": b.period_label, "unit": units[b.fee_unit_id].label if b.fee_unit_id in units else "",
                       "amount_fen": b.amount_fen, "discount_fen": b.discount_fen, "paid_fen": b.paid_fen,
                       "owed_fen": b.owed_fen, "due_on": b.due_on, "overdue": b.due_on < today} for b in mine],
            "owed_fen": sum(b.owed_fen for b in mine),
            "overdue_fen": sum(b.owed_fen for b in overdue),
            "overdue_bills": len(overdue),
            "payments": [{"id": p.id, "paid_on": p.paid_at, "amount_fen": p.amount_fen,
                          "kind": vocab.label(vocab.PAYMENT_KINDS, p.kind),
                          "method": vocab.label(vocab.PAYMENT_METHODS, p.method), "receipt_no": p.receipt_no,
                          "receipt": p.kind == "payment" and bool(p.receipt_no)} for p in paid],
            "codes": [(u.label, code) for u in household_units if (code := payment_codes.payment_code(u.id))],
        })
    return out


@residents.route("/")
def home():
    """我的物业费."""
    households = household_view(my_households())
    return render_resident_page("fees/resident_home.html", current=NAV_KEY, households=households,
                                disclosures=DISCLOSURES, today=local_today())


@residents.route("/receipts/<int:payment_id>.pdf")
def receipt(payment_id):
    """A payment's receipt (PDF), when the payment is one of my households'; else 404 like none."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.kind != "payment" or payment.household_id not in set(my_households()):
        abort(404)

    content = receipts.receipt_pdf(payment)
    number = payment.receipt_no or str(payment.id)
    return download_response(content, download_name("receipt", number, ext="pdf"),
                             download_name(_("Receipt"), number, ext="pdf"), PDF)
