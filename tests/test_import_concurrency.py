"""Imports of the same ledger at once or twice give the same register (#14, item 4).

Two jobs importing the same file into one community at the same moment, each in its own
thread with its own database connection, must leave the register as one import does: no
household or resident twice. Both jobs finish `done` and their counts add up (what one
created the other finds unchanged). The planner is held at a barrier after planning a batch so
that, without serialization, both jobs would plan against the same state before either writes:
the race happens every time instead of by luck."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select

from tests.test_import_households import row, xlsx

ROWS = 60


def ledger(names=True) -> bytes:
    rows = [row(building=f"{8 + n % 2}栋", number=str(1000 + n), name=f"居民{n}" if names else None,
                kind="自住" if names else "空置", phone=f"139{n:08d}", tags="党员" if n % 3 == 0 else None)
            for n in range(ROWS)]
    return xlsx(rows)


def register_counts(app, tenant_id: int, community_id: int) -> dict:
    from wuye_core.extensions import db
    from wuye_core.households.models import Household, Resident, ResidentTag, Unit
    from wuye_core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        out = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model).where(
            model.community_id == community_id)) for model in (Unit, Household, Resident)}
        out["resident_tags"] = db.session.scalar(select(func.count()).select_from(ResidentTag))
        out["same_name_twice"] = db.session.scalar(select(func.count()).select_from(
            select(Resident.household_id, Resident.name).group_by(Resident.household_id, Resident.name)
            .having(func.count() > 1).subquery()))
        out["unit_households_twice"] = db.session.scalar(select(func.count()).select_from(
            select(Household.unit_id).where(Household.moved_out_on.is_(None)).group_by(Household.unit_id)
            .having(func.count() > 1).subquery()))
        db.session.remove()
    return out


def new_jobs(app, tenant_id: int, community_id: int, n: int) -> list[int]:
    from wuye_core.extensions import db
    from wuye_core.imports.models import ImportJob
    from wuye_core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        jobs = [ImportJob(community_id=community_id, filename="台账.xlsx", created_by="admin") for _ in range(n)]
        db.session.add_all(jobs)
        db.session.commit()
        ids = [j.id for j in jobs]
        db.session.remove()
    return ids


def run_at_once(app, tenant_id: int, job_ids: list[int], content: bytes) -> list[dict]:
    """Each job in its own thread (its own app context, session and connection), started together."""
    from wuye_core.extensions import db
    from wuye_core.imports import tasks
    from wuye_core.tenancy import tenant_context

    start = threading.Barrier(len(job_ids))
    results: dict[int, dict] = {}
    failures: list[BaseException] = []

    def work(job_id: int) -> None:
        try:
            with app.app_context(), tenant_context(tenant_id):
                start.wait(timeout=10)
                job = tasks.process(job_id, io.BytesIO(content))
                results[job_id] = {"status": job.status.value, "created": job.created, "updated": job.updated,
                                   "unchanged": job.unchanged, "failed": job.failed, "message": job.message,
                                   "processed": job.processed_rows}
                db.session.remove()
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(job_id,)) for job_id in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    return [results[job_id] for job_id in job_ids]


@pytest.fixture
def in_step(monkeypatch):
    """Every job waits, after planning a batch, until the other has planned one too (or 1.5 s
    passed: a job serialized behind the other's lock waits in vain once, then goes on)."""
    from wuye_core.imports.households import run
    from wuye_core.imports.households.plan import Planner

    monkeypatch.setattr(run, "BATCH_SIZE", 20)  # several batches each: the jobs interleave
    barrier = threading.Barrier(2)
    plan = Planner.plan

    def plan_in_step(self, batch):
        plans = plan(self, batch)
        try:
            barrier.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return plans

    monkeypatch.setattr(Planner, "plan", plan_in_step)


@pytest.mark.parametrize("before", ["empty", "vacant units", "units without households"])
def test_the_same_file_imported_twice_at_once_gives_one_register(before, in_step, wuye_app, wuye_make_tenant,
                                                                   wuye_register):
    """"empty": the import makes the units (their unique key used to be the only guard);
    "vacant units": units and households exist, the file adds the heads of household (the fault
    probe's 300 duplicate residents); "units without households": units made through the API,
    the import adds their households and heads."""
    from wuye_core.extensions import db
    from wuye_core.households.models import Building, Household, Unit
    from wuye_core.tenancy import tenant_context

    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    if before == "vacant units":
        first = new_jobs(wuye_app, t.id, community, 1)
        assert run_at_once(wuye_app, t.id, first, ledger(names=False))[0]["created"] == ROWS
    elif before == "units without households":
        with wuye_app.app_context(), tenant_context(t.id):
            buildings = [Building(community_id=community, site_id=ids["site"], name=f"{n}栋") for n in (8, 9)]
            db.session.add_all(buildings)
            db.session.flush()
            for n in range(ROWS):
                db.session.add(Unit(community_id=community, site_id=ids["site"], building_id=buildings[n % 2].id,
                                    entrance="1", number=str(1000 + n)))
            db.session.commit()
            db.session.remove()
    baseline = register_counts(wuye_app, t.id, community)

    content = ledger()
    jobs = run_at_once(wuye_app, t.id, new_jobs(wuye_app, t.id, community, 2), content)

    after = register_counts(wuye_app, t.id, community)
    assert after["same_name_twice"] == 0 and after["unit_households_twice"] == 0, after
    assert after["residents"] == baseline["residents"] + ROWS, (baseline, after)
    for job in jobs:  # both finish, every row accounted for
        assert job["status"] == "done" and job["failed"] == 0 and job["processed"] == ROWS, jobs
        assert job["created"] + job["updated"] + job["unchanged"] == ROWS, jobs
    if before == "vacant units":  # each row changed its household once, whichever job got there first
        assert sum(j["updated"] for j in jobs) == ROWS and sum(j["created"] for j in jobs) == 0, jobs
    else:
        assert sum(j["created"] for j in jobs) == ROWS, jobs

    # and once more, one after the other: nothing changes
    again = run_at_once(wuye_app, t.id, new_jobs(wuye_app, t.id, community, 1), content)[0]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, ROWS)
    assert register_counts(wuye_app, t.id, community) == after
    with wuye_app.app_context(), tenant_context(t.id):
        assert db.session.scalar(select(func.count()).select_from(Household).where(
            Household.community_id == community)) == after["households"]
        db.session.remove()
