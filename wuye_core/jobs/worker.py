"""`wuye worker`: an rq worker whose jobs run inside the app that the command built.

rq forks a work horse per job; each job gets a fresh app context there (its own `g`, its own
session, removed afterwards), so job functions never build an app of their own.
"""

from __future__ import annotations

from rq import Worker

from ..extensions import db


class AppWorker(Worker):
    wuye_app = None  # set by run()

    def perform_job(self, *args, **kwargs):
        with self.wuye_app.app_context():
            try:
                return super().perform_job(*args, **kwargs)
            finally:
                db.session.remove()


def run(app, connection, queues: list[str], *, with_scheduler: bool, burst: bool) -> None:
    worker = AppWorker(queues, connection=connection)
    worker.wuye_app = app
    worker.work(with_scheduler=with_scheduler, burst=burst)
