"""`wuye worker` (the rq worker) and `wuye jobs` (failed jobs and parked plugin deliveries)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from ..events.edge import unit_of_work


@click.command("worker")
@click.option("--with-scheduler", is_flag=True, help="同时运行定时任务 / also run the periodic work and rq's scheduler")
@click.option("--burst", is_flag=True, help="做完队列里的任务就退出 / exit when the queue is empty")
@click.option("--check", is_flag=True, help="检查运行中的 worker 是否就绪（Redis 和数据库都正常），退出码 0/1 / "
                                          "check that the running worker is ready (Redis and the database answer)")
@click.option("--live", is_flag=True, help="与 --check 同用：只检查进程是否活着 / with --check: only that it is alive")
@click.pass_context
def worker(ctx, with_scheduler, burst, check, live):
    """后台任务进程（rq）/ Run a background worker (rq) with the app's config.

    Redis 或数据库中断时不退出：退避重连，状态写入 WUYE_WORKER_STATUS_FILE，`--check` 读取它（Kubernetes 探针）。
    It rides out Redis and database outages (reconnecting with backoff) and keeps its state in
    WUYE_WORKER_STATUS_FILE, which `--check` reads (the Kubernetes probes)."""
    if check or live:
        _check_worker(ctx, live)
        return
    if not current_app:  # as flask's with_appcontext; `--check` above builds no app (a cheap probe)
        ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
    from redis.exceptions import RedisError

    from ..extensions import db
    from ..jobs import QUEUE, redis_connection
    from ..jobs import worker as rq_worker
    from ..jobs.schedule import start_cron_thread
    from ..jobs.status import WorkerStatus, status_path

    connection = redis_connection()
    if connection is None:
        raise click.ClickException("未设置 WUYE_REDIS_URL：任务在进程内运行，无需 worker / "
                                   "WUYE_REDIS_URL is not set: jobs run in-process, no worker needed")
    db.engine.dispose()  # work-horses are forked: never share pooled connections with them
    app = current_app._get_current_object()
    settings = app.config["WUYE"]
    status = WorkerStatus(status_path(settings), settings.redis_url, app.config["SQLALCHEMY_DATABASE_URI"])
    status.write()
    if not burst:
        status.start_thread()
    if with_scheduler:
        start_cron_thread(app, connection)
    try:
        rq_worker.run(app, connection, [QUEUE], with_scheduler=with_scheduler, burst=burst, status=status)
    except RedisError as exc:  # --burst only: the long-running worker waits for Redis instead
        raise click.ClickException(f"连不上 Redis / Redis cannot be reached: {exc}") from exc


def _check_worker(ctx, live: bool) -> None:
    """`wuye worker --check [--live]`: read the running worker's status file (jobs/status.py)."""
    from ..config import Settings
    from ..jobs.status import check, status_path

    ok, message = check(status_path(Settings.from_env()), live_only=live)
    click.echo(message)
    ctx.exit(0 if ok else 1)


@click.group("jobs")
def jobs_group():
    """后台任务 / Background jobs."""


@jobs_group.command("failed")
@with_appcontext
def jobs_failed():
    """失败的任务与搁置的插件投递 / List failed jobs and parked plugin deliveries."""
    from ..events.deliveries import parked_in_every_tenant
    from ..jobs.failed import failed_jobs

    jobs = failed_jobs()
    if jobs is None:
        click.echo("（进程内模式，没有队列 / in-process mode: no queue）")
    else:
        click.echo(f"失败任务 / failed jobs: {len(jobs)}")
        for job in jobs:
            click.echo(f"{job.id}  {job.func_name}  tenant={job.tenant_id}  {job.ended_at or ''}  {job.last_error}")
    with unit_of_work():
        parked = parked_in_every_tenant()
        click.echo(f"搁置的插件投递 / parked plugin deliveries: {len(parked)}")
        for tenant_id, slug, delivery, event in parked:
            error = (delivery.last_error or "").splitlines()[0] if delivery.last_error else ""
            click.echo(f"delivery={delivery.id}  tenant={slug} ({tenant_id})  event={event.name}#{event.id}  "
                       f"plugin={delivery.plugin}  attempts={delivery.attempts}  {error}")
        _undelivered()


def _undelivered() -> None:
    """Events claimed before and not delivered: held by a deliverer now, waiting for a plugin's
    retry, or left by a deliverer that died (the sweep hands those on by itself)."""
    from datetime import UTC, datetime

    from ..events.relay import undelivered_in_every_tenant

    now = datetime.now(UTC)
    rows = undelivered_in_every_tenant()
    click.echo(f"未送达的事件 / undelivered events tried before: {len(rows)}")
    for tenant_id, slug, row in rows:
        if row.lease_until is None or row.lease_until <= now:
            state = "租约已过期，下次清扫重发 / lease expired: the next sweep hands it on"
        elif row.leased_by:
            state = f"投递中 / being delivered by {row.leased_by} until {row.lease_until:%H:%M:%S}"
        else:
            state = f"等待插件重试 / waiting for a plugin's retry at {row.lease_until:%H:%M:%S}"
        click.echo(f"event={row.name}#{row.id}  tenant={slug} ({tenant_id})  attempts={row.attempts}  {state}")


@jobs_group.command("retry")
@click.argument("job_ids", nargs=-1)
@click.option("--delivery", "delivery_ids", type=int, multiple=True,
              help="重试搁置的插件投递（编号见 `wuye jobs failed`）/ retry a parked plugin delivery")
@click.option("--all", "retry_all", is_flag=True, help="重试全部失败任务和搁置的投递，并立即交付未送达的事件 / retry "
                                                      "every failed job and parked delivery, hand on undelivered events now")
@with_appcontext
def jobs_retry(job_ids, delivery_ids, retry_all):
    """重试失败的任务 / Put failed jobs (and parked plugin deliveries) back on the queue."""
    from ..events.relay import retry_parked_in_every_tenant
    from ..jobs.failed import requeue_failed

    if job_ids or retry_all:
        requeued = requeue_failed(None if retry_all else list(job_ids))
        if requeued is not None:
            click.echo(f"已重试 / requeued {requeued}")
    if delivery_ids or retry_all:
        with unit_of_work():
            retried = retry_parked_in_every_tenant(None if retry_all else list(delivery_ids))
        click.echo(f"已重试投递 / deliveries retried: {retried}")
    if retry_all:
        from datetime import timedelta

        from ..events.relay import sweep

        with unit_of_work():
            swept = sweep(older_than=timedelta(0))
        click.echo(f"重新交付的未送达事件 / undelivered events handed on: {swept}")
