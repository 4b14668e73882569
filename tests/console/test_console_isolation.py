"""Tenant isolation at the console, as tests/test_isolation.py checks it at the API: every
console page found in the app's url_map (the core's and the plugins'; tests/console/pages.py),
so a page added later is covered without anyone remembering to add it here, and a page whose
path parameter is unknown fails until the map learns it.

Tenant A has one of everything (the API isolation matrix's objects, every text carrying a
marker), tenant B its own register with the same plugins enabled and a care role for its admin,
so B's 404s on A's ids are isolation, not a missing role or a plugin turned off.
"""

from __future__ import annotations

import pytest

from tests.console import pages
from tests.supervision_fixtures import supervised_ids
from tests.test_isolation import SECRET, _a_ids, _b_setup, _linked_ids
from wuye_core.testing import console_login

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

REFUSED = {403, 404}


def a_ids(a, wuye_register, wuye_enable_plugin, wuye_make_tenant=None, wuye_service_link=None) -> dict:
    """A's objects (tests/test_isolation.py: register, staff user, ticket with an attachment,
    import, notification, care_visits and red_property objects; with the two last fixtures, a
    service link with a third tenant and the hand-off of A's ticket over it); A's admin also holds
    a care role, as B's does, so the care pages answer A's admin."""
    ids = _a_ids(a, wuye_register, wuye_enable_plugin)
    if wuye_service_link is not None:
        _linked_ids(a, ids, wuye_make_tenant, wuye_register, wuye_service_link)
    ids["tenant"] = a.id
    ids["plugin_name"] = "red_property"
    # a company serving another site of A's (its first has a link already): the supervision pages
    served = a.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": f"{SECRET}二期",
                                                 "kind": "compound"})
    assert served.status_code == 201, served.get_json()
    ids.update(supervised_ids(a, served.get_json()["id"]))
    users = {u["username"]: u["id"] for u in a.admin.get("/api/v1/users").get_json()["items"]}
    ids["user"] = users["a-staff"]
    _volunteers_ids(a, ids, wuye_enable_plugin)
    r = a.admin.patch(f"/api/v1/users/{users['admin']}", json={"roles": [{"role": "tenant_admin"},
                                                                          {"role": "care_supervisor"}]})
    assert r.status_code == 200, r.get_json()
    return ids


def _volunteers_ids(a, ids: dict, wuye_enable_plugin) -> None:
    """The volunteers plugin on in A's community, with a member named with the marker, one service
    record and a certificate (rows through the plugin's models; kept if the ids have them already)."""
    from datetime import UTC, date, datetime, timedelta

    from wuye_volunteers.models import Certificate, Member, ServiceRecord

    from wuye_core.plugins import db, tenant_context

    if {"volunteers:member", "volunteers:record", "volunteers:certificate"} <= ids.keys():
        return
    c = ids["community"]
    wuye_enable_plugin(a, "volunteers", c)
    with a.app.app_context(), tenant_context(a.id):
        member = Member(community_id=c, name=SECRET, kind="party_member", party_org=SECRET, joined_on=date(2020, 1, 1),
                        availability=[], created_by="admin")
        db.session.add(member)
        db.session.flush()
        started = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)
        record = ServiceRecord(community_id=c, member_id=member.id, source="manual", content=SECRET, place=SECRET,
                               started_at=started, ended_at=started + timedelta(hours=2), minutes=120,
                               organiser=SECRET, confirmed_by="admin", confirmed_at=datetime.now(UTC), corrections=0)
        certificate = Certificate(community_id=c, member_id=member.id, number=f"志证〔2026〕第 0001 号 {SECRET}",
                                  period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), minutes=120, records=1,
                                  purpose=SECRET, issued_by="admin", issued_at=datetime.now(UTC))
        db.session.add_all([record, certificate])
        db.session.commit()
        ids.setdefault("volunteers:member", member.id)
        ids.setdefault("volunteers:record", record.id)
        ids.setdefault("volunteers:certificate", certificate.id)
        db.session.remove()


@pytest.fixture
def two_tenants(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_operator, wuye_service_link):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    ids = a_ids(a, wuye_register, wuye_enable_plugin, wuye_make_tenant, wuye_service_link)
    _b_setup(b, wuye_register, wuye_enable_plugin)
    return a, b, ids


def operator_console(wuye_app):
    """The platform operator (wuye_operator's `op`) at the console: platform pages refuse every
    tenant's admin alike (403), so A's own answer there is the operator's."""
    return console_login(wuye_app, None, "op", "op-pass-123")


class AsA:
    """A's own answer for a page of A's: its admin's, else (a page of one person's things, a care
    record, a platform page) the first 200 of A's staff member `a-staff`, A's care supervisor
    `a-care`, the platform operator. Each signs in at the console once, when first needed."""

    PEOPLE = ("admin", "a-staff", "a-care", "operator")

    def __init__(self, app, tenant):
        self.app, self.tenant, self.consoles = app, tenant, {}

    def console(self, who):
        if who not in self.consoles:
            self.consoles[who] = (self.tenant.console() if who == "admin" else operator_console(self.app)
                                  if who == "operator" else self.tenant.console(who, "password-123"))
        return self.consoles[who]

    def get(self, path, query=None):
        """The first 200; else the first answer that is no refusal (a 500 shows), else the admin's."""
        answers = []
        for who in self.PEOPLE:
            response = self.console(who).get(path, query_string=query, follow_redirects=True)
            if response.status_code == 200:
                return response
            answers.append(response)
        return next((r for r in answers if r.status_code not in REFUSED), answers[0])


def test_the_parameter_map_names_the_page_and_what_to_do():
    """How the map fails, checked on made-up rules (the real pages are checked below)."""
    ids = {"ticket": 7, "red_property:visit": 1, "care_visits:visit": 2, "plugin_name": "red_property"}
    page = pages.Page("/console/tickets/<int:ticket_id>", "console.ticket", frozenset({"GET"}),
                      frozenset({"ticket_id"}), None)
    assert pages.fill(page, ids) == "/console/tickets/7"
    care = pages.Page("/console/plugins/care_visits/visits/<int:visit_id>", "console_care_visits.visit",
                      frozenset({"GET"}), frozenset({"visit_id"}), "care_visits")
    assert pages.fill(care, ids) == "/console/plugins/care_visits/visits/2"  # the plugin's own first
    unknown = pages.Page("/console/boilers/<int:boiler_id>", "console.boiler", frozenset({"GET"}),
                         frozenset({"boiler_id"}), None)
    with pytest.raises(pages.UnknownParameter, match=r"/console/boilers/<int:boiler_id>.*'boiler_id'.*ALIASES"):
        pages.fill(unknown, ids)
    vague = pages.Page("/console/things/<int:id>", "console.thing", frozenset({"GET"}), frozenset({"id"}), None)
    with pytest.raises(pages.UnknownParameter, match="ambiguous"):
        pages.fill(vague, ids)


def _filled(page, ids):
    try:
        return pages.fill(page, ids)
    except pages.UnknownParameter as exc:
        pytest.fail(str(exc), pytrace=False)


def test_no_console_page_opens_another_tenants_objects(wuye_app, two_tenants):
    a, b, ids = two_tenants
    as_a, b_console = AsA(wuye_app, a), b.console()
    checked, failures = [], []
    for page in pages.get_pages(wuye_app):
        if not page.arguments or page.arguments <= {"plugin_name", "plugin", "name"}:
            continue  # a plugin's name is no tenant's object
        path, query = _filled(page, ids), pages.query_for(page, ids)
        own = as_a.get(path, query)
        if own.status_code != 200:
            failures.append(f"{path}: A's own page answers {own.status_code} to {', '.join(AsA.PEOPLE)} "
                            f"(the ids map is wrong, or the page)")
        theirs = b_console.get(path, query_string=query)
        body = pages.text_of(theirs)
        if theirs.status_code not in REFUSED:
            failures.append(f"{path}: B's admin got {theirs.status_code}, not 404/403")
        if SECRET in body:
            failures.append(f"{path}: B's admin sees A's names")
        checked.append(path)
    assert not failures, "\n".join(failures)
    print(f"{len(checked)} console pages with A's ids checked as B: {checked}")


def test_console_pages_without_ids_never_show_another_tenants_rows(wuye_app, two_tenants):
    a, b, ids = two_tenants
    as_a, b_console = AsA(wuye_app, a), b.console()
    listed, seen_by_a, failures = [], 0, []
    for page in pages.get_pages(wuye_app):
        if page.arguments:
            continue
        response = b_console.get(page.rule, query_string=pages.query_for(page, ids), follow_redirects=True)
        if response.status_code == 200:
            listed.append(page.rule)
            if SECRET in pages.text_of(response):
                failures.append(f"{page.rule}: B's admin sees A's names")
        seen_by_a += SECRET in pages.text_of(as_a.get(page.rule, pages.query_for(page, ids)))
    assert not failures, "\n".join(failures)
    assert "/console/" in listed and "/console/password" in listed  # the home page and the door's, today
    print(f"{len(listed)} console pages without ids checked as B; A's marker on {seen_by_a} of A's")


def test_without_a_session_every_console_url_leads_to_the_sign_in_page(wuye_app, two_tenants):
    _, _, ids = two_tenants
    client = wuye_app.test_client()
    failures, checked = [], 0
    for page in pages.console_rules(wuye_app):
        path = _filled(page, ids)
        view = wuye_app.view_functions[page.endpoint]
        public = getattr(view, "_wuye_public", False)
        for method in sorted(page.methods):
            response = client.open(path, method=method, query_string=pages.query_for(page, ids))
            body = pages.text_of(response)
            checked += 1
            if SECRET in body:
                failures.append(f"{method} {path}: A's names without a session")
            if method == "GET":
                location = response.headers.get("Location", "")
                ok = (response.status_code == 302 and location.startswith("/console/sign-in")) or \
                    response.status_code == 404 or (public and response.status_code == 200)
            else:  # a form without a session: refused (CSRF 400) or sent to sign in, never done
                ok = response.status_code in {302, 400, 401, 403, 404, 405}
            if not ok:
                failures.append(f"{method} {path}: {response.status_code} without a session")
    assert not failures, "\n".join(failures)
    assert checked >= 5
