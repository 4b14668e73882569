"""Jobs that failed for good, in rq's failed registry: listed and put back by `wuye jobs failed`
and `wuye jobs retry` (the embedded default has no queue, so none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import Conflict
from ..i18n import N_
from . import get_queue


@dataclass(frozen=True)
class FailedJob:
    id: str
    func_name: str
    tenant_id: int | None
    ended_at: datetime | None
    last_error: str  # the last line of the traceback


def failed_jobs() -> list[FailedJob] | None:
    """The failed jobs, or None in the embedded default (in-process: no queue)."""
    from rq.registry import FailedJobRegistry

    queue = get_queue()
    if queue is None:
        return None
    ids = FailedJobRegistry(queue=queue).get_job_ids()
    failed = []
    for job in queue.job_class.fetch_many(ids, connection=queue.connection):
        if job is None:  # expired between the two reads
            continue
        result = job.latest_result()
        last = (result.exc_string or "").strip().splitlines()[-1:] if result else []
        failed.append(FailedJob(job.id, job.func_name, job.meta.get("tenant_id"), job.ended_at,
                                last[0] if last else ""))
    return failed


def requeue_failed(job_ids: list[str] | None = None) -> int | None:
    """Put these failed jobs (None: every one) back on the queue; how many. Without a queue:
    None, or a Conflict when jobs were named."""
    from rq.registry import FailedJobRegistry

    queue = get_queue()
    if queue is None:
        if job_ids:
            raise Conflict(N_("In-process mode: there is no queue."))
        return None
    registry = FailedJobRegistry(queue=queue)
    ids = registry.get_job_ids() if job_ids is None else list(job_ids)
    for job_id in ids:
        registry.requeue(job_id)
    return len(ids)
