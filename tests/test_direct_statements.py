"""tenancy/direct.py: statements that skip the session's machinery keep both walls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from wuye_core.db_changes import forget_on_commit
from wuye_core.events.outbox import OutboxEvent
from wuye_core.extensions import db
from wuye_core.households.models import Community, Site
from wuye_core.tenancy import TenantContextError, tenant_context, unscoped
from wuye_core.tenancy.direct import NewId, insert_rows, select_rows
from wuye_core.tickets.models import Ticket, TicketTransition

# The community with a site, outer-joined by id: the shape ticket creation reads.
COMMUNITY_AND_SITE = (select(Community.id, Community.name, Site.id, Site.name).select_from(Community)
                      .outerjoin(Site, Site.id == bindparam("site_id"))
                      .where(Community.id == bindparam("community_id")))


@pytest.fixture
def two(wuye_make_tenant, wuye_register):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    return a, wuye_register(a, prefix="A"), b, wuye_register(b, prefix="B")


def test_a_direct_select_sees_its_tenant_only_in_every_table_it_joins(wuye_app, two):
    a, a_ids, b, b_ids = two
    with wuye_app.app_context(), tenant_context(a.id):
        own = select_rows(COMMUNITY_AND_SITE, {"community_id": a_ids["community"], "site_id": a_ids["site"]}).all()
        # B's site, outer-joined: no row of B comes back, the join finds nothing
        b_site = select_rows(COMMUNITY_AND_SITE, {"community_id": a_ids["community"], "site_id": b_ids["site"]}).all()
        b_community = select_rows(COMMUNITY_AND_SITE, {"community_id": b_ids["community"],
                                                       "site_id": b_ids["site"]}).all()
        db.session.rollback()
    assert [(c, s) for c, _, s, _ in own] == [(a_ids["community"], a_ids["site"])]
    assert [(c, s, name) for c, _, s, name in b_site] == [(a_ids["community"], None, None)]
    assert b_community == []


def _ticket_rows(community_id: int, site_id: int, title: str = "漏水"):
    at = datetime.now(UTC)
    return ((Ticket, {"community_id": community_id, "site_id": site_id, "channel": "phone", "kind": "repair",
                      "category": "水电维修", "title": title, "priority": "normal", "status": "submitted",
                      "created_at": at, "reopened_count": 0}),
            (TicketTransition, {"ticket_id": NewId(0), "action": "submit", "to_status": "submitted", "at": at}),
            (OutboxEvent, {"event_id": f"test-{title}", "name": "ticket_created", "object_id": NewId(0),
                           "data": {"title": title}, "occurred_at": at, "attempts": 0}))


def test_direct_inserts_are_stamped_with_the_tenant_and_linked_by_new_ids(wuye_app, two):
    a, a_ids, b, _ = two
    with wuye_app.app_context(), tenant_context(a.id):
        ticket_id, transition_id, outbox_id = insert_rows(*_ticket_rows(a_ids["community"], a_ids["site"]))
        db.session.commit()
        transition = db.session.get(TicketTransition, transition_id)
        event = db.session.get(OutboxEvent, outbox_id)
        ticket = db.session.get(Ticket, ticket_id)
        seen = (ticket.tenant_id, ticket.title, transition.tenant_id, transition.ticket_id, event.tenant_id,
                event.object_id, event.data)
        db.session.rollback()
    assert seen == (a.id, "漏水", a.id, ticket_id, a.id, ticket_id, {"title": "漏水"})
    with wuye_app.app_context(), tenant_context(b.id):
        assert db.session.get(Ticket, ticket_id) is None  # the other tenant does not see it
        db.session.rollback()


def test_direct_inserts_refuse_what_the_unit_of_work_refuses(wuye_app, two):
    a, a_ids, b, _ = two
    rows = _ticket_rows(a_ids["community"], a_ids["site"])
    with wuye_app.app_context():
        with pytest.raises(TenantContextError):  # no tenant: fail closed
            insert_rows(*rows)
        with tenant_context(a.id):
            with pytest.raises(TenantContextError):  # another tenant's row
                insert_rows((Ticket, {**rows[0][1], "tenant_id": b.id}))
            with unscoped(), pytest.raises(TenantContextError):  # platform work uses the ORM
                insert_rows(*rows)
            with pytest.raises(ValueError, match="earlier row"):
                insert_rows(rows[1], rows[0])
            with pytest.raises(ValueError, match="attempts"):  # a Python-side default left out
                insert_rows(rows[0], (OutboxEvent, {k: v for k, v in rows[2][1].items() if k != "attempts"}))
            with pytest.raises(TypeError, match="not a tenant table"):
                from wuye_core.tenancy import Tenant

                insert_rows((Tenant, {"slug": "x", "name": "x", "kind": "company"}))
            db.session.rollback()
            assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
            db.session.rollback()


def test_one_failing_row_writes_none_of_them(wuye_app, two):
    """The composite foreign key refuses B's community for A's ticket: nothing of the three stays."""
    a, a_ids, _, b_ids = two
    with wuye_app.app_context(), tenant_context(a.id):
        with pytest.raises(IntegrityError):
            insert_rows(*_ticket_rows(b_ids["community"], a_ids["site"]))
        db.session.rollback()
        counts = [db.session.scalar(select(func.count()).select_from(Ticket)),
                  db.session.scalar(select(func.count()).select_from(TicketTransition)),
                  db.session.scalar(select(func.count()).where(OutboxEvent.name == "ticket_created"))]
        db.session.rollback()
    assert counts == [0, 0, 0]


def test_a_commit_after_direct_inserts_empties_the_caches_of_those_tables(wuye_app, two):
    a, a_ids, _, _ = two
    forgotten = []

    def forget():
        forgotten.append(True)

    forget_on_commit((Ticket,), forget)
    with wuye_app.app_context(), tenant_context(a.id):
        insert_rows(*_ticket_rows(a_ids["community"], a_ids["site"], "一"))
        db.session.rollback()  # rolled back: nothing changed, nothing forgotten
        assert forgotten == []
        insert_rows(*_ticket_rows(a_ids["community"], a_ids["site"], "二"))
        db.session.commit()
    assert forgotten == [True]
