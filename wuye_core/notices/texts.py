"""An urgent notice's text messages (紧急通知短信): after the commit that published it, a job texts
every distinct phone of its audience's residents (the register as it is then: moved-out households
and duplicate rows left out) through resident_access/sms.send_text, purpose "urgent_notice".

Once per phone, whatever happens to the job: each phone is CLAIMED first — a `notice_texts` row,
unique per notice and phone, committed — then texted, then the row says how (`sent` by a provider
plugin, `logged` without one). A retried or concurrent run skips every phone already claimed, so a
phone is never texted twice; a run that died between the claim and the text leaves the row
`sending` (shown to staff as unconfirmed) rather than risk a second text. When every phone is done
the notice's `texts_done_at` is set. A sweep wakes the job for an urgent notice whose wake-up was
lost (Redis away at the commit)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from ..audit import record
from ..events.edge import in_every_tenant, unit_of_work
from ..extensions import db
from ..i18n import N_, _
from ..jobs import JobRegistry, Policy, enqueue
from ..resident_access.sms import send_text
from ..tenancy import require_tenant_id, tenant_context
from . import audience
from .models import Notice, NoticeKind, NoticeText, TextState

log = logging.getLogger(__name__)

PURPOSE = "urgent_notice"
TEXT = N_("[%(community)s] Urgent notice: %(title)s. %(body)s")
BODY_IN_TEXT = 300  # characters of the body in a text (the residents' page has all of it)
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_WITHIN = timedelta(days=1)  # older urgent notices are not texted late


def _text(notice: Notice) -> str:
    from ..households.models import Community

    community = db.session.get(Community, notice.community_id)
    body = notice.body if len(notice.body) <= BODY_IN_TEXT else notice.body[:BODY_IN_TEXT - 1] + "…"
    return _(TEXT, community=community.name if community else "", title=notice.title, body=body)


def _insert_claim():
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(NoticeText).on_conflict_do_nothing(index_elements=["tenant_id", "notice_id", "phone"]) \
        .returning(NoticeText.id)


def _claim(notice_id: int, digits: str) -> int | None:
    """The id of this run's claim on the phone, committed; None when another run has it."""
    with unit_of_work():
        return db.session.scalar(_insert_claim(), {"tenant_id": require_tenant_id(), "notice_id": notice_id,
                                                   "phone": digits, "state": TextState.sending.value,
                                                   "at": datetime.now(UTC)})


def send_notice_texts(tenant_id: int, notice_id: int) -> int:
    """The job: text the urgent notice to each phone of its audience not texted yet; how many
    phones this run texted."""
    with tenant_context(tenant_id):
        with unit_of_work():
            notice = db.session.get(Notice, notice_id)
            if (notice is None or notice.kind != NoticeKind.urgent or notice.withdrawn_at is not None
                    or notice.texts_done_at is not None):
                return 0
            text = _text(notice)
            phones = audience.phones(notice)
            claimed = set(db.session.scalars(select(NoticeText.phone).where(NoticeText.notice_id == notice_id)))
        count = 0
        for digits in phones:
            if digits in claimed:
                continue
            claim = _claim(notice_id, digits)
            if claim is None:
                continue
            via = send_text(tenant_id, digits, text, PURPOSE)
            with unit_of_work():
                db.session.execute(update(NoticeText).where(NoticeText.id == claim).values(
                    state=(TextState.sent if via else TextState.logged).value, via=via)
                    .execution_options(synchronize_session=False))
            count += 1
        with unit_of_work():
            notice = db.session.get(Notice, notice_id)
            if notice.texts_done_at is None:
                notice.texts_done_at = datetime.now(UTC)
                record("notice.texted", target_type="notice", target_id=notice_id, system_name="notice texts",
                       details={"phones": len(phones), "texted_by_this_run": count})
        log.info("urgent notice %s (tenant %s): %d of %d phones texted by this run", notice_id, tenant_id, count,
                 len(phones))
        return count


def _due() -> int:
    """In the current tenant: wake the texts of urgent notices whose job never ended."""
    at = datetime.now(UTC)
    ids = db.session.scalars(select(Notice.id).where(
        Notice.kind == NoticeKind.urgent.value, Notice.withdrawn_at.is_(None), Notice.texts_done_at.is_(None),
        Notice.published_at < at - SWEEP_AFTER, Notice.published_at > at - SWEEP_WITHIN).limit(100)).all()
    tenant_id = require_tenant_id()
    for notice_id in ids:
        from ..events import after_commit

        after_commit(enqueue, send_notice_texts, tenant_id=tenant_id, notice_id=notice_id)
    return len(ids)


def sweep_notice_texts() -> int:
    return in_every_tenant(_due)


def register_jobs(jobs: JobRegistry) -> None:
    jobs.register(send_notice_texts, Policy(timeout=600, retries=(30, 120, 600)))
    jobs.every(120, sweep_notice_texts, policy=Policy(timeout=120, retries=()))
