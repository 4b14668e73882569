"""The fault #14 found, with a real gunicorn worker killed (SIGKILL) in the middle of a POST.

The app gunicorn serves is wuye's, wrapped so that a request asking for it kills its own worker
either just before the edge commits or just after (the answer computed, not one byte sent). The
client sees a dropped connection either way; a retry with the same Idempotency-Key must leave
exactly one ticket: run afresh in the first case, replayed in the second. PostgreSQL only (the
session's database, shared with the gunicorn process).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from sqlalchemy import func, select

from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets.models import Ticket

KILLABLE_WSGI = textwrap.dedent('''
    """gunicorn entry for tests: wuye's app, whose worker kills itself when a request asks."""
    import os
    import signal

    from wuye_core.app import create_app
    from wuye_core.events import edge

    app = create_app()
    _commit = edge.commit


    def _commit_or_die():
        from flask import request

        if request.headers.get("X-Test-Kill") == "before-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        _commit()


    edge.commit = _commit_or_die
    _wsgi = app.wsgi_app


    def _die_after_commit(environ, start_response):
        body = _wsgi(environ, start_response)  # the whole request: view, answer kept, commit
        if environ.get("HTTP_X_TEST_KILL") == "after-commit":
            os.kill(os.getpid(), signal.SIGKILL)  # before gunicorn sends a byte
        return body


    app.wsgi_app = _die_after_commit
''')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder, backend, secret_key: str):
        (folder / "killable_wsgi.py").write_text(KILLABLE_WSGI)
        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), *sys.path]),
               "WUYE_ENV": "test", "WUYE_DATABASE_URL": backend.app_url,
               "WUYE_MIGRATE_DATABASE_URL": backend.owner_url, "WUYE_SECRET_KEY": secret_key,
               "WUYE_STORAGE_URL": f"file://{folder}/uploads", "WUYE_LOG_LEVEL": "WARNING",
               "WUYE_REDIS_URL": "", "WUYE_RATE_LIMIT_STORAGE_URL": "memory://"}
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.log = open(folder / "gunicorn.log", "w")
        self.proc = subprocess.Popen([gunicorn, "-w", "1", "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2",
                                      "killable_wsgi:app"], cwd=folder, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def request(self, path, body, headers, timeout=20.0):
        """(status, headers, body) once a worker answers (a new one is forked after a kill)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.send(path, body, headers)
            except (ConnectionRefusedError, ConnectionResetError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.2)

    def send(self, path, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
        self.log.close()


def _tickets(app, tenant_id) -> int:
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.parametrize("moment", ["before-commit", "after-commit"])
def test_a_worker_killed_mid_post_and_a_retry_leave_one_ticket(wuye_app, wuye_backend, wuye_make_tenant,
                                                               wuye_register, tmp_path, moment):
    if not wuye_backend.is_postgresql:
        pytest.skip("gunicorn shares the session's PostgreSQL database")
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    server = Server(tmp_path, wuye_backend, wuye_app.config["SECRET_KEY"])
    try:
        body = {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
                "category": "水电维修", "title": "厨房水管漏水"}
        headers = {"Authorization": f"Bearer {t.admin.token}", "Idempotency-Key": str(uuid.uuid4())}
        status, _, _ = server.request("/api/v1/tickets", body, headers, timeout=60)  # the server is up
        assert status == 201
        headers["Idempotency-Key"] = str(uuid.uuid4())
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            server.send("/api/v1/tickets", body, {**headers, "X-Test-Kill": moment})
        assert _tickets(wuye_app, t.id) == (1 if moment == "before-commit" else 2)
        status, answer_headers, answer = server.request("/api/v1/tickets", body, headers)
        assert status == 201, answer
        replayed = answer_headers.get("Idempotent-Replayed") == "true"
        assert replayed == (moment == "after-commit")
        assert _tickets(wuye_app, t.id) == 2  # the first request's and exactly one of these two
        assert server.request("/api/v1/tickets", body, headers)[1].get("Idempotent-Replayed") == "true"
        assert _tickets(wuye_app, t.id) == 2
    finally:
        server.stop()
