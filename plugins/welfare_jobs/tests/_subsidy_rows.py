"""Test data for the subsidies and assessments tests, written straight into the plugin's tables
(posts, workers, placements, attendance are other areas' API): each helper opens the app and
the tenant's context, adds the rows, commits, and returns their ids."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date, timedelta

from wuye_welfare_jobs.models import Attendance, Placement, Post, Worker

from wuye_core.plugins import db, tenant_context

P = "/api/v1/plugins/welfare_jobs"
C = "/console/plugins/welfare_jobs"
_numbers = itertools.count(1)

# Made-up 18-digit ID numbers, for the sheet's full-number column.
ID_NUMBERS = ["420102196505123418", "42010219700305242X", "420102197212310016", "420106196811200024",
              "420106197508150011", "420111196901010026", "420111197303030034", "420115196612120021"]


@contextmanager
def rows(app, tenant):
    """The session of `tenant` (a TenantHandle) in an app context; commits at the end."""
    with app.app_context(), tenant_context(tenant.id):
        yield db.session
        db.session.commit()


def setup(tenant, wuye_register, wuye_enable_plugin, config: dict | None = None):
    """The register, the plugin enabled with `config`, and a roster manager: (ids, manager client)."""
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"], config or {})
    manager = tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    return ids, manager


def add_post(app, tenant, ids, name: str = "张家湾保洁岗", kind: str = "cleaning") -> int:
    n = next(_numbers)
    with rows(app, tenant) as session:
        post = Post(community_id=ids["community"], site_id=ids["site"], kind=kind, name=name, headcount=5,
                    approval_ref=f"人社公岗〔2025〕{n}号", approved_from=date(2025, 1, 1), team=f"wj-team-{n}",
                    created_by="test")
        session.add(post)
        session.flush()
        return post.id


def add_worker(app, tenant, ids, name: str, *, id_number: str | None = None, gender: str = "male",
               birth_date: date = date(1968, 5, 12), group: str = "landless_farmer", bank_name: str = "农商银行",
               bank_account: str | None = "6230000011112222333", community_id: int | None = None) -> int:
    with rows(app, tenant) as session:
        worker = Worker(community_id=community_id or ids["community"], name=name, gender=gender,
                        birth_date=birth_date, id_number=id_number or ID_NUMBERS[next(_numbers) % len(ID_NUMBERS)],
                        phone="13900000000", group=group, bank_name=bank_name, bank_account=bank_account,
                        created_by="test")
        session.add(worker)
        session.flush()
        return worker.id


def add_placement(app, tenant, ids, worker_id: int, post_id: int, starts_on: date, ends_on: date | None = None,
                  exited_on: date | None = None) -> int:
    with rows(app, tenant) as session:
        placement = Placement(community_id=ids["community"], worker_id=worker_id, post_id=post_id,
                              starts_on=starts_on, ends_on=ends_on or starts_on.replace(year=starts_on.year + 3),
                              exited_on=exited_on, exit_reason="other_job" if exited_on else None,
                              created_by="test")
        session.add(placement)
        session.flush()
        return placement.id


def add_days(app, tenant, ids, worker_id: int, placement_id: int, post_id: int, first: date, count: int,
             status: str = "present", leave_kind: str | None = None) -> date:
    """`count` attendance days from `first` on (consecutive); the day after the last."""
    day = first
    with rows(app, tenant) as session:
        for _ in range(count):
            session.add(Attendance(community_id=ids["community"], worker_id=worker_id, placement_id=placement_id,
                                   post_id=post_id, day=day, status=status, leave_kind=leave_kind, source="console",
                                   recorded_by="test"))
            day += timedelta(days=1)
    return day


def placed(app, tenant, ids, name: str, post_id: int, starts_on: date, **worker) -> tuple[int, int]:
    """A worker and their placement on the post: (worker_id, placement_id)."""
    worker_id = add_worker(app, tenant, ids, name, **worker)
    return worker_id, add_placement(app, tenant, ids, worker_id, post_id, starts_on)
