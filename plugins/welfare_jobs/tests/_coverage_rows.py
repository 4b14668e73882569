"""Test rows for the coverage tests (insurance, health checks, figures): posts, workers,
placements, policies, checks and attendance inserted straight into the tables — the roster's
own services are another area's — inside the tenant's context.

    with Rows(wuye_app, tenant.id, ids["community"], ids["site"]) as rows:
        post = rows.post(headcount=3)
        worker = rows.worker("王芳")
        rows.placement(worker, post, starts_on=today - timedelta(days=100))
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from wuye_welfare_jobs import models

from wuye_core.plugins import db, local_today, tenant_context

_serial = itertools.count(1)


class Rows:
    def __init__(self, app, tenant_id: int, community_id: int, site_id: int):
        self.app, self.tenant_id, self.community_id, self.site_id = app, tenant_id, community_id, site_id
        self.today = local_today()

    def __enter__(self) -> Rows:
        self._app_context = self.app.app_context()
        self._app_context.push()
        self._tenant = tenant_context(self.tenant_id)
        self._tenant.__enter__()
        from sqlalchemy import select

        if db.session.scalar(select(models.Roster.id).where(models.Roster.community_id == self.community_id)) is None:
            self._add(models.Roster(community_id=self.community_id))
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                db.session.commit()
            else:
                db.session.rollback()
        finally:
            db.session.remove()
            self._tenant.__exit__(kind, value, tb)
            self._app_context.pop()

    def _add(self, row) -> int:
        db.session.add(row)
        db.session.flush()
        return row.id

    def post(self, headcount: int = 2, *, active: bool = True, name: str | None = None,
             approved_from: date | None = None, closed_on: date | None = None) -> int:
        n = next(_serial)
        return self._add(models.Post(
            community_id=self.community_id, site_id=self.site_id, kind="cleaning", name=name or f"保洁岗{n}",
            headcount=headcount, approval_ref=f"人社批〔2026〕{n}号",
            approved_from=approved_from or self.today - timedelta(days=800), team=f"cov-team-{n}",
            active=active, closed_on=closed_on, created_by="test"))

    def worker(self, name: str, *, gender: str = "female", born: date = date(1975, 3, 1)) -> int:
        return self._add(models.Worker(community_id=self.community_id, name=name, gender=gender, birth_date=born,
                                       group="landless_farmer", created_by="test"))

    def placement(self, worker_id: int, post_id: int, *, starts_on: date, ends_on: date | None = None,
                  exited_on: date | None = None, exit_reason: str | None = None,
                  vacancy_due_on: date | None = None, vacancy_reported_on: date | None = None) -> int:
        return self._add(models.Placement(
            community_id=self.community_id, worker_id=worker_id, post_id=post_id, starts_on=starts_on,
            ends_on=ends_on or starts_on + timedelta(days=3 * 365), exited_on=exited_on, exit_reason=exit_reason,
            vacancy_due_on=vacancy_due_on, vacancy_reported_on=vacancy_reported_on, created_by="test"))

    def policy(self, worker_id: int, kind: str, *, starts_on: date, ends_on: date, insurer: str = "人保财险") -> int:
        return self._add(models.Policy(community_id=self.community_id, worker_id=worker_id, kind=kind,
                                       insurer=insurer, starts_on=starts_on, ends_on=ends_on, created_by="test"))

    def insure(self, worker_id: int, kinds=("pension", "medical", "injury", "accident"), *,
               starts_on: date | None = None, ends_on: date | None = None) -> list[int]:
        start = starts_on or self.today - timedelta(days=100)
        end = ends_on or self.today + timedelta(days=265)
        return [self.policy(worker_id, kind, starts_on=start, ends_on=end) for kind in kinds]

    def check(self, worker_id: int, *, year: int | None = None, due_on: date, done_on: date | None = None,
              result: str | None = None, note: str | None = None) -> int:
        return self._add(models.HealthCheck(community_id=self.community_id, worker_id=worker_id,
                                            year=year or self.today.year, due_on=due_on, done_on=done_on,
                                            result=result, note=note))

    def attendance(self, worker_id: int, placement_id: int, post_id: int, day: date, status: str = "present") -> int:
        return self._add(models.Attendance(community_id=self.community_id, worker_id=worker_id,
                                           placement_id=placement_id, post_id=post_id, day=day, status=status,
                                           source="console", recorded_by="test"))
