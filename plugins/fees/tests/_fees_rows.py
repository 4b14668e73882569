"""Test rows for the fees plugin: fee units, rates, bills and payments inserted directly through
the models (each area's own services make them in its own tests), and a world with the community's
fee manager, a cashier and a clerk.

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    unit_id = unit(w.tenant, w.cid, w.ids["site"], unit_id=w.ids["unit"], area="87.35")
    bill_id = bill(w.tenant, w.cid, w.ids["site"], unit_id, amount_fen=3931, period="2026-11",
                   household_id=w.ids["household"])
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select
from wuye_fees.models import Allocation, Bill, FeeRate, FeeUnit, Payment
from wuye_fees.periods import parse_label

from wuye_core.plugins import db, local_today, tenant_context

P = "/api/v1/plugins/fees"
C = "/console/plugins/fees"


def add(tenant, *rows):
    """Insert the rows in the tenant; returns their ids."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        for row in rows:
            db.session.add(row)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def rows(tenant, model, *where):
    """The tenant's rows of `model` (detached values as dicts), by id."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [{c.name: getattr(r, c.name) for c in model.__table__.columns}
                 for r in db.session.scalars(select(model).where(*where).order_by(model.id))]
        db.session.remove()
    return found


def unit(tenant, community_id: int, site_id: int, label: str = "1栋1单元101", kind: str = "residential",
         unit_id: int | None = None, area: str | None = "87.35", billing_from: date = date(2020, 1, 1), **kw) -> int:
    return add(tenant, FeeUnit(community_id=community_id, site_id=site_id, kind=kind, unit_id=unit_id, label=label,
                               area_m2=Decimal(area) if area is not None else None, billing_from=billing_from,
                               active=True, created_by="test", **kw))[0]


def rate(tenant, community_id: int, site_id: int, price: str = "0.45", unit_kind: str = "residential",
         basis: str = "per_m2", valid_from: date = date(2020, 1, 1), valid_until: date | None = None,
         name: str = "住宅物业服务费") -> int:
    return add(tenant, FeeRate(community_id=community_id, site_id=site_id, unit_kind=unit_kind, name=name, basis=basis,
                               price=Decimal(price), valid_from=valid_from, valid_until=valid_until,
                               created_by="test"))[0]


def bill(tenant, community_id: int, site_id: int, fee_unit_id: int, amount_fen: int = 3931,
         period: str = "2026-11", household_id: int | None = None, due_on: date | None = None,
         status: str = "open", paid_fen: int = 0, discount_fen: int = 0, source: str = "generated", **kw) -> int:
    """`kw` may override the period's own values (period_end, period_label, months: an imported bill)."""
    p = parse_label(period)
    values = {"period_start": p.start, "period_end": p.end, "period_label": p.label, "months": p.months, **kw}
    return add(tenant, Bill(community_id=community_id, site_id=site_id, fee_unit_id=fee_unit_id,
                            household_id=household_id, source=source, amount_fen=amount_fen, discount_fen=discount_fen,
                            paid_fen=paid_fen, status=status, due_on=due_on or p.start + timedelta(days=30),
                            **values))[0]


def payment(tenant, community_id: int, site_id: int, fee_unit_id: int, amount_fen: int,
            allocations: dict[int, int] | None = None, method: str = "cash", paid_at: datetime | None = None,
            kind: str = "payment", household_id: int | None = None, **kw) -> int:
    """A journal row and its allocations {bill id: fen}; the bills' paid_fen is NOT updated (use bill(paid_fen=…))."""
    payment_id = add(tenant, Payment(community_id=community_id, site_id=site_id, fee_unit_id=fee_unit_id,
                                     household_id=household_id, kind=kind, amount_fen=amount_fen, method=method,
                                     paid_at=paid_at or datetime.now(UTC), recorded_by="test", **kw))[0]
    if allocations:
        add(tenant, *(Allocation(community_id=community_id, payment_id=payment_id, bill_id=bill_id, amount_fen=fen)
                      for bill_id, fen in allocations.items()))
    return payment_id


def world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config=None, slug="acme"):
    """A community with the plugin on, its fee manager (`mgr`), a cashier (`cashier`), a clerk of
    the community (`clerk`); `ids` are wuye_register's (community, site, building, unit, household,
    resident)."""
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    cid = ids["community"]
    wuye_enable_plugin(tenant, "fees", cid, config)
    mgr = tenant.user("mgr", "fees_manager", [cid])
    cashier = tenant.user("cashier", "fees_cashier", [cid])
    clerk = tenant.user("clerk", "community_staff", [cid])
    return SimpleNamespace(tenant=tenant, ids=ids, cid=cid, site=ids["site"], mgr=mgr, cashier=cashier, clerk=clerk,
                           today=local_today())


def statements(app, tenant_id, fn) -> int:
    """How many SQL statements `fn()` runs, in a request of the tenant (the N+1 tests)."""
    from sqlalchemy import event

    seen = []
    with app.test_request_context(), tenant_context(tenant_id):
        engine = db.engine
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            fn()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
            db.session.remove()
    return len(seen)
