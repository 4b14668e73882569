"""The read grant of a service link (#18 item 2): the framework limits a supervised read to the
provider's tickets of the linked sites, PostgreSQL backs it row by row, and ending the link ends
it at once."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text, update

from wuye_core.auth.roles import Identity
from wuye_core.errors import NotFound
from wuye_core.extensions import db
from wuye_core.households.models import Site
from wuye_core.supervision.grant import supervising
from wuye_core.tenancy import TenantContextError, tenant_context
from wuye_core.tickets.models import Ticket, TicketTransition


def _ticket(tenant, community, site, title):
    r = tenant.admin.post("/api/v1/tickets", json={"community_id": community, "site_id": site, "channel": "phone",
                                                   "kind": "repair", "category": "电梯", "title": title})
    assert r.status_code == 201, r.get_json()
    tid = r.get_json()["id"]
    assert tenant.admin.post(f"/api/v1/tickets/{tid}/transitions", json={"action": "accept"}).status_code == 200
    return tid


@pytest.fixture
def linked(wuye_make_tenant, wuye_register, wuye_service_link):
    street = wuye_make_tenant("street", kind="subdistrict")
    company = wuye_make_tenant("company")
    s_ids, c_ids = wuye_register(street), wuye_register(company)
    other_site = company.admin.post("/api/v1/sites", json={"community_id": c_ids["community"], "name": "别处",
                                                           "kind": "compound"}).get_json()["id"]
    link = wuye_service_link(street, s_ids["site"], company, c_ids["site"])
    inside = _ticket(company, c_ids["community"], c_ids["site"], "linked")
    outside = _ticket(company, c_ids["community"], other_site, "not linked")
    own = _ticket(street, s_ids["community"], s_ids["site"], "the street's own")
    return street, company, link, inside, outside, own


def _admin(tenant_id):
    return Identity(kind="staff", user_id=1, username="admin", tenant_id=tenant_id, grants=(("tenant_admin", None),))


def test_a_supervised_read_sees_the_linked_sites_tickets_and_nothing_else(wuye_app, linked):
    street, company, link, inside, outside, own = linked
    with wuye_app.test_request_context(), tenant_context(street.id):
        with supervising(company.id, _admin(street.id), what="tickets") as scope:
            assert scope.provider_sites and [link] == [x.id for x in scope.links]
            assert [t.id for t in db.session.scalars(select(Ticket))] == [inside]
            assert {t.ticket_id for t in db.session.scalars(select(TicketTransition))} == {inside}
            assert db.session.get(Ticket, outside) is None
            with pytest.raises(TenantContextError):  # nothing of the company beyond its granted tables
                db.session.scalars(select(Site)).all()
            with pytest.raises(TenantContextError):  # read-only
                db.session.execute(update(Ticket).values(title="x"))
        # the caller's own session is untouched: its own tickets, not the company's
        assert [t.id for t in db.session.scalars(select(Ticket))] == [own]
        db.session.commit()  # the read's audit row, in the company's trail
    trail = company.admin.get("/api/v1/audit", query_string={"action": "supervision."}).get_json()["items"]
    assert [(i["action"], i["target_id"]) for i in trail] == [("supervision.read", "tickets")]
    assert street.admin.get("/api/v1/audit", query_string={"action": "supervision."}).get_json()["items"] == []


def test_no_link_no_read(wuye_app, linked, wuye_make_tenant):
    street, company, link, *_ = linked
    other = wuye_make_tenant("other")
    with wuye_app.test_request_context(), tenant_context(other.id):
        with pytest.raises(NotFound), supervising(company.id, _admin(other.id), what="tickets"):
            pass
    with wuye_app.test_request_context(), tenant_context(street.id):
        with supervising(company.id, _admin(street.id), what="tickets"):  # the street's links remembered now
            pass
        db.session.rollback()
    assert street.admin.post(f"/api/v1/service-links/{link}/revoke", json={}).status_code == 200
    with wuye_app.test_request_context(), tenant_context(street.id):  # … and forgotten by the revocation's commit
        with pytest.raises(NotFound), supervising(company.id, _admin(street.id), what="tickets"):
            pass
    # a community clerk of another community of the street reads nothing either
    with wuye_app.test_request_context(), tenant_context(street.id):
        clerk = Identity(kind="staff", user_id=2, username="c", tenant_id=street.id,
                         grants=(("community_staff", 999_999),))
        with pytest.raises(NotFound), supervising(company.id, clerk, what="tickets"):
            pass


def test_postgresql_admits_the_linked_rows_only_while_the_link_holds(wuye_app, wuye_backend, linked):
    if not wuye_backend.is_postgresql:
        pytest.skip("row-level security is a PostgreSQL feature")
    street, company, link, inside, outside, own = linked
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))

    def seen():
        with engine.connect() as conn:
            conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(street.id)})
            tickets = set(conn.execute(text("select id from tickets")).scalars())
            history = set(conn.execute(text("select distinct ticket_id from ticket_transitions")).scalars())
            sites = conn.execute(text("select count(*) from sites where tenant_id = :c"), {"c": company.id}).scalar()
            # and writing is still its own tenant's only
            changed = conn.execute(text("update tickets set title = 'x' where id = :i"), {"i": inside}).rowcount
            conn.rollback()
            return tickets, history, sites, changed

    try:
        # raw SQL, no ORM: the database itself admits the linked site's ticket and nothing else
        assert seen() == ({own, inside}, {own, inside}, 0, 0)
        assert street.admin.post(f"/api/v1/service-links/{link}/revoke", json={}).status_code == 200
        assert seen() == ({own}, {own}, 0, 0)  # at once
    finally:
        engine.dispose()


def test_a_link_ended_by_another_process_admits_nothing_at_once(wuye_app, wuye_backend, linked):
    """The links a supervised read runs under are remembered per process for a few seconds; a link
    ended elsewhere (another worker, here: SQL as the tables' owner) must still end the reads at
    once on PostgreSQL, where the policy checks the link row by row."""
    if not wuye_backend.is_postgresql:
        pytest.skip("row-level security is a PostgreSQL feature")
    street, company, link, inside, *_ = linked
    path = f"/api/v1/supervision/providers/{company.id}/tickets"
    assert [t["id"] for t in street.admin.get(path).get_json()["items"]] == [inside]  # remembered now
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.owner_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("update service_links set state = 'revoked' where id = :i"), {"i": link})
    finally:
        engine.dispose()
    answer = street.admin.get(path).get_json()
    # this process still believes in the link (milliseconds later, well within its 5 seconds) …
    assert "items" in answer, answer
    assert (answer["items"], answer["total"]) == ([], 0)  # … and the database admits no row of it


def _synchronous_commit() -> str:  # straight to the driver: a text() statement counts as a write
    return db.session.connection().exec_driver_sql("select current_setting('synchronous_commit')").scalar()


def test_a_supervised_read_commits_without_waiting_for_the_disk_unless_it_writes(wuye_app, wuye_backend, linked):
    """The read's audit row is the transaction's only write: synchronous_commit off for it
    (db_durability.py); a transaction that writes anything else waits for the disk again."""
    if not wuye_backend.is_postgresql:
        pytest.skip("synchronous_commit is a PostgreSQL setting")
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    street, company, *_ = linked
    seen_at_commit = []

    def probe(session):  # registered after the app's own before_commit: sees what the commit will use
        seen_at_commit.append(session.connection().exec_driver_sql(
            "select current_setting('synchronous_commit')").scalar())

    event.listen(Session, "before_commit", probe)
    try:
        with wuye_app.test_request_context(), tenant_context(street.id):
            with supervising(company.id, _admin(street.id), what="tickets"):
                pass
            assert _synchronous_commit() == "off"
            db.session.commit()
            assert _synchronous_commit() == "on"  # the next transaction is an ordinary one
            db.session.commit()

            with supervising(company.id, _admin(street.id), what="tickets"):
                pass
            db.session.add(Site(community_id=db.session.scalar(select(Site.community_id)), name="新小区",
                                kind="compound"))
            db.session.commit()  # wrote a site too: waits for the disk

            with supervising(company.id, _admin(street.id), what="tickets"):
                pass
            db.session.execute(update(Site).where(Site.id == -1).values(name="x"))
            db.session.commit()  # sent an UPDATE (whatever it matched): waits for the disk

            db.session.scalar(select(Site.id))  # begun before the read: not relaxed behind it
            with supervising(company.id, _admin(street.id), what="tickets"):
                pass
            assert _synchronous_commit() == "on"
            db.session.commit()
    finally:
        event.remove(Session, "before_commit", probe)
    assert seen_at_commit == ["off", "on", "on", "on", "on"]
