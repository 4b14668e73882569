"""Tables of the fees plugin (`fees_*`); rows are tenant-scoped by the core.

Money is integer fen (`*_fen`, BigInteger), rates Decimal yuan (money.py). The money journal —
payments, refunds, reversals (`fees_payments`) and how each is set against bills
(`fees_allocations`) — is append-only: the database refuses UPDATE and DELETE, so a mistake is
mended by a reversal with its reason, never by rewriting. A bill keeps running totals
(`discount_fen`, `paid_fen`) that the services change under the bill's row lock, in the same
transaction as the journal rows they sum; `tests/` check they always match.

A payer's phone (shops and parking spaces let to people outside the register) is an
`EncryptedString`: the database holds its ciphertext only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.plugins import EncryptedString, TenantScoped, UTCDateTime, db, tenant_fk


def _child_of(column: str, table: str) -> ForeignKeyConstraint:
    """A composite FK to one of our own tables (its `(tenant_id, id)` is unique)."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"])


# --- what is charged -------------------------------------------------------------------------------


class FeeUnit(TenantScoped, db.Model):
    """收费单元: one thing a fee is charged for — a home (a unit of the register), a shop front, a
    parking space — with the area it is billed by. Homes point to the register's unit (its
    household at billing time is the bill's household); shops and parking spaces may have a payer
    of their own who is not in the register."""

    __tablename__ = "fees_units"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        tenant_fk("unit_id", "units"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "site_id", "kind", "label", unique=True),
        Index(None, "tenant_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # vocab.UNIT_KINDS
    unit_id: Mapped[int | None] = mapped_column(Integer)  # the register's unit (homes)
    label: Mapped[str] = mapped_column(String(100))  # 3栋1单元301, 商铺 A-12, 车位 B-033
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # 计费面积; None: fixed rates only
    payer_name: Mapped[str | None] = mapped_column(String(50))  # shops/parking: who pays, if not the household
    payer_phone: Mapped[str | None] = mapped_column(EncryptedString(255))
    billing_from: Mapped[date] = mapped_column(Date)  # 计费起始日 (handed over / let from)
    billing_until: Mapped[date | None] = mapped_column(Date)  # no bills for periods starting after it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class FeeRate(TenantScoped, db.Model):
    """收费标准: what one kind of unit on one site pays, from a day (until a day, or open-ended).
    The periods of one site and kind never overlap (rates.py checks it under the site's lock)."""

    __tablename__ = "fees_rates"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "site_id", "unit_kind", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(20))  # vocab.UNIT_KINDS
    name: Mapped[str] = mapped_column(String(100))  # 住宅物业服务费
    basis: Mapped[str] = mapped_column(String(10))  # vocab.RATE_BASES
    price: Mapped[Decimal] = mapped_column(Numeric(12, 4))  # 元/㎡/月, or 元/月 when fixed
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # the last day, included
    note: Mapped[str | None] = mapped_column(String(300))  # e.g. 街道还建小区兜底标准
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class BillingRun(TenantScoped, db.Model):
    """出账批次: one generation of a period's bills in a community (by the daily job or a person),
    with what it made and skipped — so "were November's bills made?" has an answer."""

    __tablename__ = "fees_billing_runs"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    bills_made: Mapped[int] = mapped_column(Integer, default=0)
    already_billed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[dict] = mapped_column(JSON, default=dict)  # reason code → count (no rate, no area…)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    started_by: Mapped[str] = mapped_column(String(80))  # a username, or "system" (the daily job)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Bill(TenantScoped, db.Model):
    """应收账单: what one fee unit owes for one period. Unique per unit and period start: generating
    a period twice makes no second bill. `amount_fen` is fixed when made; discounts and payments
    change the running totals under the bill's lock; owed = amount − discount − paid."""

    __tablename__ = "fees_bills"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        tenant_fk("household_id", "households"),
        _child_of("fee_unit_id", "fees_units"),
        _child_of("rate_id", "fees_rates"),
        _child_of("run_id", "fees_billing_runs"),
        Index(None, "tenant_id", "fee_unit_id", "period_start", unique=True),
        Index(None, "tenant_id", "community_id", "status", "due_on"),
        Index(None, "tenant_id", "community_id", "period_start"),
        Index(None, "tenant_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    fee_unit_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(Integer)  # the unit's household when billed
    rate_id: Mapped[int | None] = mapped_column(Integer)  # None: imported or entered by hand
    run_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10), default="generated")  # vocab.BILL_SOURCES
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(20))  # 2026-11, 2026Q4, 2026
    months: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # as billed
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))  # as billed
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # 应收
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # approved discounts and waivers
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # the journal's allocations, summed
    status: Mapped[str] = mapped_column(String(10), default="open")  # vocab.BILL_STATUSES
    due_on: Mapped[date] = mapped_column(Date)
    settled_on: Mapped[date | None] = mapped_column(Date)  # the day nothing was owed any more
    cancelled_by: Mapped[str | None] = mapped_column(String(80))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    @property
    def owed_fen(self) -> int:
        if self.status == "cancelled":
            return 0
        return max(self.amount_fen - self.discount_fen - self.paid_fen, 0)


class Discount(TenantScoped, db.Model):
    """减免: part (discount) or all (waiver) of a bill forgiven, with the reason, who asked and who
    approved. Only approved ones count in the bill's `discount_fen`; a revoked one stops counting."""

    __tablename__ = "fees_discounts"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("bill_id", "fees_bills"),
        Index(None, "tenant_id", "bill_id"),
        Index(None, "tenant_id", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    bill_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # vocab.DISCOUNT_KINDS
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))  # vocab.DISCOUNT_REASONS
    explanation: Mapped[str | None] = mapped_column(String(500))  # 情况说明, e.g. the 低保 certificate number
    status: Mapped[str] = mapped_column(String(10), default="requested")  # vocab.DISCOUNT_STATUSES
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(80))  # who approved or rejected
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(300))
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(300))


# --- money received (append-only) -----------------------------------------------------------------


class Payment(TenantScoped, db.Model):
    """收款日记账, append-only: a payment (+), a refund (−) or a reversal (−, 冲正) of an earlier one
    (`reverses_id`). A provider's payment is unique on (provider, transaction id): reporting it twice
    records it once. A payment not (fully) set against bills is credit of the unit (预收/待核对)."""

    __tablename__ = "fees_payments"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("household_id", "households"),
        _child_of("fee_unit_id", "fees_units"),
        _child_of("reverses_id", "fees_payments"),
        _child_of("matched_from_id", "fees_payments"),
        Index(None, "tenant_id", "provider", "provider_txn_id", unique=True),
        Index(None, "tenant_id", "matched_from_id", unique=True),
        Index(None, "tenant_id", "receipt_no", unique=True),
        Index(None, "tenant_id", "community_id", "paid_at"),
        Index(None, "tenant_id", "fee_unit_id"),
        Index(None, "tenant_id", "reverses_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)  # the unit's; None with the unit (not matched yet)
    fee_unit_id: Mapped[int | None] = mapped_column(Integer)  # None: a provider's payment not matched yet
    household_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # vocab.PAYMENT_KINDS
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # + received, − given back
    method: Mapped[str] = mapped_column(String(10))  # vocab.PAYMENT_METHODS
    provider: Mapped[str | None] = mapped_column(String(40))  # the provider plugin's name
    provider_txn_id: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))  # a transfer's bank reference, a POS slip
    receipt_no: Mapped[str | None] = mapped_column(String(40))  # 收据编号 (payments only)
    payer_name: Mapped[str | None] = mapped_column(String(50))  # 缴款人 as written on the receipt
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reverses_id: Mapped[int | None] = mapped_column(Integer)  # refunds and reversals: of which payment
    # a provider's payment that named no unit, matched by staff: it is reversed and recorded again for
    # the unit — this row, which names the unmatched one (so every row of the journal has its unit)
    matched_from_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(300))  # refunds and reversals: why
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(80))  # a username, or the provider plugin
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Allocation(TenantScoped, db.Model):
    """核销, append-only: how much of a journal row is set against a bill (− for a refund or a
    reversal taking it back). A bill's `paid_fen` is the sum of its allocations."""

    __tablename__ = "fees_allocations"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("payment_id", "fees_payments"),
        _child_of("bill_id", "fees_bills"),
        Index(None, "tenant_id", "bill_id"),
        Index(None, "tenant_id", "payment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    payment_id: Mapped[int] = mapped_column(Integer)
    bill_id: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    by: Mapped[str | None] = mapped_column(String(80))  # who set it (a provider's payment matched later)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Counter(TenantScoped, db.Model):
    """A tenant's numbering (receipts) per year, taken under the row's lock: no gaps from races,
    no number twice."""

    __tablename__ = "fees_counters"
    __extra_table_args__ = (Index(None, "tenant_id", "kind", "year", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "receipt"
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Reminder(TenantScoped, db.Model):
    """催缴记录: a household (or a unit's payer) reminded of what it owes, how, and with what result."""

    __tablename__ = "fees_reminders"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("household_id", "households"),
        _child_of("fee_unit_id", "fees_units"),
        Index(None, "tenant_id", "community_id", "sent_at"),
        Index(None, "tenant_id", "fee_unit_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    fee_unit_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))  # vocab.REMINDER_CHANNELS
    owed_fen: Mapped[int] = mapped_column(BigInteger)  # what was owed when reminded
    bills: Mapped[int] = mapped_column(Integer)  # how many bills were overdue
    # sending (saved before the text goes) / sent / logged (no SMS provider) / failed / noted (by hand)
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(300))
    sent_by: Mapped[str] = mapped_column(String(80))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


# --- other income, spending, and what is published ------------------------------------------------


class Entry(TenantScoped, db.Model):
    """其他收入与支出: shop-front rent, parking rentals, a government subsidy, … and spending by
    category, per site (or the community as a whole) and day. A mistaken entry is cancelled with
    its reason, not deleted: a published statement may have counted it."""

    __tablename__ = "fees_entries"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "occurred_on"),
        Index(None, "tenant_id", "site_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)  # None: the community as a whole
    direction: Mapped[str] = mapped_column(String(10))  # vocab.ENTRY_DIRECTIONS
    category: Mapped[str] = mapped_column(String(20))  # vocab.INCOME_CATEGORIES / SPENDING_CATEGORIES
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # > 0
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    counterparty: Mapped[str | None] = mapped_column(String(100))  # 付款/收款单位: 区财政局, 某超市
    voucher_no: Mapped[str | None] = mapped_column(String(50))  # 凭证号
    recorded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    cancelled_by: Mapped[str | None] = mapped_column(String(80))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(300))


class Statement(TenantScoped, db.Model):
    """季度收支公示: the statement of one quarter for a site (or the whole community), its current
    version and the core disclosure it is published as. Every version's figures are kept
    (StatementVersion); a correction publishes the next version of the same disclosure."""

    __tablename__ = "fees_statements"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "scope_key", "year", "quarter", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)  # None: the community as a whole
    scope_key: Mapped[str] = mapped_column(String(20))  # "site:12" or "community": unique per quarter
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # vocab.STATEMENT_STATUSES
    disclosure_id: Mapped[int | None] = mapped_column(Integer)  # the core's disclosure, once published
    published_by: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the current version's publication
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class StatementVersion(TenantScoped, db.Model):
    """One version of a statement: its figures as computed then (what was published stays what it
    was, whatever is corrected later), who made it and why (a correction's reason). Append-only."""

    __tablename__ = "fees_statement_versions"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("statement_id", "fees_statements"),
        Index(None, "tenant_id", "statement_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    statement_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)  # statements.py: income, spending, gap, by category
    reason: Mapped[str | None] = mapped_column(String(300))  # why this version (a correction)
    made_by: Mapped[str] = mapped_column(String(80))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class LedgerImport(TenantScoped, db.Model):
    """One import of an existing fee ledger (Excel): what it made, by whom — all rows or none."""

    __tablename__ = "fees_imports"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    made: Mapped[dict] = mapped_column(JSON, default=dict)  # units, bills, payments created
    imported_by: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


MODELS = (FeeUnit, FeeRate, BillingRun, Bill, Discount, Payment, Allocation, Counter, Reminder, Entry, Statement,
          StatementVersion, LedgerImport)
APPEND_ONLY = ("fees_payments", "fees_allocations", "fees_statement_versions")
