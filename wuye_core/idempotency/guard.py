"""The Idempotency-Key header on every POST of the API, for every view (core and plugins) at once.

A client that did not get an answer (a dropped connection, a worker killed mid-request) cannot
know whether its POST was carried out. Sent again with the same `Idempotency-Key`, it gets the
first answer back (`Idempotent-Replayed: true`) and nothing is written twice. Without the header
a request behaves as it always did. Semantics as in draft-ietf-httpapi-idempotency-key-header:

- the key: 1 to 255 visible ASCII characters (a UUID is a good key); quotes around it, as the
  draft's structured-field form writes it, are dropped. Anything else: 400.
- scope: a key belongs to the caller — (tenant, staff user), (tenant, resident account), or the
  platform operator — so the same key from another caller, or in another tenant, is another key. The answer is replayed to
  the same caller only, after the usual authentication (and the plugin gate) of the retry.
- same key, same request (method, path, query, body: fingerprint.py): the stored answer, status,
  body, Content-Type, Location and ETag, plus `Idempotent-Replayed: true`. Nothing is written.
- same key, another request: 422, naming the header.
- kept `Settings.idempotency_ttl_hours` (24 h by default) from the first request; expired keys
  are free again and purged every hour (purge.py).

How it holds under faults and races:

- The claim is a row inserted in the request's own transaction BEFORE the view runs, and the
  answer is written into that row by a hook the claim registers for this request alone
  (`after_this_request`: Flask runs those before the app's after_request hooks, so before the
  edge's commit; a request without a key pays for no after-request work).
  So the change and its answer commit together: a worker killed before the commit leaves
  neither (the retry runs afresh), killed after it leaves both (the retry is replayed).
- A concurrent duplicate blocks on the key's unique index (`INSERT … ON CONFLICT`) until the
  first transaction ends, then replays its answer — it never runs the view a second time
  (SQLite: the database's single writer lock does the same, within its busy timeout). Chosen
  over answering 409 at once: the retrying client gets the real answer without polling.
- An answer >= 400 is rolled back by the edge, the claim with it: nothing was written, so a
  retry runs again (a 422 fixed by the client, a 503 during an outage). Not stored, by design.
- A view that commits itself before answering (user creation, imports, attachments) commits the
  claim with its work; if it then fails, or its worker dies before the answer is stored, the
  key stays claimed without an answer: a retry gets 409 (Retry-After) rather than a second run,
  until the key expires. Such a 409 also answers a retry that arrives while such a view runs.
- Public routes (login) have no caller to key by and write nothing a retry could double: there
  the header is ignored. Other methods (PUT, PATCH, DELETE) are idempotent by their meaning and
  ignore it too.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import Response, after_this_request, current_app, g, request
from flask_smorest import abort
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..api.access import is_not_replayed
from ..extensions import db
from ..i18n import N_
from .fingerprint import request_fingerprint
from .models import KEY_LENGTH, IdempotencyKey, PlatformIdempotencyKey, ResidentIdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST"})
# the headers of the first answer a replay repeats (the body says the rest)
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
_KEY = re.compile(rf"[\x21-\x7e]{{1,{KEY_LENGTH}}}")
_CLAIMED = "wuye_idempotency_claim"


def _key_from_header(raw: str) -> str:
    key = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not _KEY.fullmatch(key):
        abort(400, errors={"headers": {HEADER: [N_("Must be 1 to 255 visible ASCII characters (a UUID, for example).")]}})
    return key


def _caller():
    """(model, {owner columns}) of the caller's keys, or None on a public route."""
    identity = g.get("identity")
    if identity is None:
        return None
    if identity.kind == "resident":  # a table of their own: account ids are not staff user ids
        return ResidentIdempotencyKey, {"tenant_id": identity.tenant_id, "account_id": identity.user_id}
    if identity.is_operator:
        return PlatformIdempotencyKey, {"operator_id": identity.user_id}
    return IdempotencyKey, {"tenant_id": identity.tenant_id, "user_id": identity.user_id}


@lru_cache(maxsize=4)
def _claim_statement(model, dialect: str):
    """Built once per (table, dialect): the values are parameters (building it took ~900 Python
    calls per request, bench/README.md sixth session). INSERT the claim; if the caller's key is taken but expired, take the row over instead.
    RETURNING the id when this request holds the key now, nothing when it is another's. Waits
    for a transaction that holds the same key (PostgreSQL: the unique index) to end first."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model)
    taken_over = {c: getattr(stmt.excluded, c) for c in ("method", "path", "fingerprint", "created_at", "expires_at")}
    taken_over.update(response_status=None, response_body=None, response_headers=None)
    return stmt.on_conflict_do_update(
        index_elements=[*model.OWNER, "key"], set_=taken_over, where=model.expires_at <= stmt.excluded.created_at,
    ).returning(model.id)


def claim_or_replay():
    """before_request, after authentication and the plugin gate: claim the key for this request,
    or answer it from the first request with that key."""
    if request.method not in METHODS:
        return None
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    caller = _caller()
    if caller is None or is_not_replayed(current_app.view_functions.get(request.endpoint)):
        return None
    key = _key_from_header(raw)
    model, owner = caller
    fingerprint = request_fingerprint()
    now = datetime.now(UTC)
    ttl = timedelta(hours=current_app.config["WUYE"].idempotency_ttl_hours)
    path = request.full_path if request.query_string else request.path
    values = {**owner, "key": key, "method": request.method, "path": path, "fingerprint": fingerprint,
              "created_at": now, "expires_at": now + ttl}
    session = db.session()
    claimed = session.execute(_claim_statement(model, session.get_bind().dialect.name), values).scalar()
    if claimed is not None:
        setattr(g, _CLAIMED, (model, claimed))
        # only a request holding a key pays for the after-request work (Flask runs these before
        # the app's after_request hooks, so before the edge commits)
        after_this_request(remember_answer)
        return None
    first = session.execute(
        select(model.fingerprint, model.response_status, model.response_body, model.response_headers)
        .where(*(getattr(model, c) == v for c, v in owner.items() if c != "tenant_id"), model.key == key)
    ).one()
    if first.fingerprint != fingerprint:
        abort(422, errors={"headers": {HEADER: [N_(
            "This key was already used for another request (another path or body): "
            "send a new request with a new key.")]}})
    if first.response_status is None:
        abort(409, message=N_("A request with this Idempotency-Key is still in progress, or ended without "
                              "an answer after saving part of its work; try again later."),
              headers={"Retry-After": "1"})
    return _replay(first)


def _replay(first) -> Response:
    response = Response(base64.b64decode(first.response_body), status=first.response_status)
    for name, value in (first.response_headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def remember_answer(response: Response) -> Response:
    """After this request's view (registered by the claim), before the edge commits: keep the
    answer with the change it reports."""
    claimed = g.pop(_CLAIMED, None)
    if claimed is None or response.status_code >= 400:
        return response  # nothing claimed, or rolled back by the edge, the claim with it
    if response.is_streamed:
        return response  # a body that is not there yet: the key stays claimed (409 to a retry)
    model, row_id = claimed
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    try:
        db.session.execute(
            update(model).where(model.id == row_id)
            .values(response_status=response.status_code, response_headers=headers,
                    response_body=base64.b64encode(response.get_data()).decode("ascii"))
            .execution_options(synchronize_session=False))
    except Exception as exc:
        # The database went away (or refused) after the view: an exception raised in an
        # after_request hook would be a bare 500. Answer it as a view's would be (503 with
        # Retry-After for an outage); the edge then sees >= 400 and rolls the change back.
        db.session.rollback()
        return current_app.make_response(current_app.handle_user_exception(exc))
    return response


def install(app) -> None:
    """Register the hooks. Call it after the blueprints are registered (the plugin gate's
    before_request runs first: a retry is answered only where its route is open to the caller)
    (the answer's hook is registered per request, by the claim: it runs before the edge commits)."""
    app.before_request(claim_or_replay)
