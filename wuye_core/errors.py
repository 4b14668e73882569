"""Errors that speak to people: one JSON shape for every error, messages in the user's language.

    {"code": 422, "status": "Unprocessable Entity", "message": "请求数据有误",
     "errors": {"json": {"phone": ["长度不能超过 20。"]}}}

`errors` names each bad field (by location: json, query, path) and why.
"""

from __future__ import annotations

import logging
import re

from flask import jsonify, request
from flask_smorest import Api, abort
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .i18n import N_, translate_message, translate_messages

log = logging.getLogger(__name__)

# Default message per status, when the code raising the error gives none.
_DEFAULT_MESSAGES = {
    400: N_("The request is malformed."),
    401: N_("Authentication is required."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    409: N_("This conflicts with the current state of the data."),
    413: N_("The request is too large."),
    415: N_("The request must be JSON."),
    422: N_("The request data is invalid."),
    429: N_("Too many attempts; please try again later."),
    500: N_("Internal server error."),
}

DATABASE_UNAVAILABLE = N_("The database cannot be reached at the moment; please try again in a few seconds.")

# PostgreSQL's SQLSTATEs that mean "the server is away", not "this request is wrong" (besides class
# 08, connection exceptions): shutting down, crashed, starting up or in recovery, out of
# connection slots, our idle session ended.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "57P05", "53300"}
# SQLite: another writer held the file past the busy timeout, or the file cannot be opened.
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file")


class ErrorSchema(Schema):
    code = fields.Integer(metadata={"description": "HTTP 状态码 / HTTP status code"})
    status = fields.String(metadata={"description": "HTTP 状态名 / HTTP status name"})
    message = fields.String(metadata={"description": "给人看的说明 / a message for people"})
    errors = fields.Dict(metadata={"description": "按位置和字段列出的错误 / errors by location and field"})
    reason = fields.String(metadata={"description": "供程序判断的原因，如 password_change_required / "
                                                    "a machine-readable reason, e.g. password_change_required"})


def error_body(code: int, message: str | None = None, errors=None) -> dict:
    status = HTTP_STATUS_CODES.get(code, str(code))
    # A message is a core msgid or a plugin's Message (which knows its catalog): both are translated.
    body = {"code": code, "status": status, "message": translate_message(message or _DEFAULT_MESSAGES.get(code, status))}
    if errors:
        body["errors"] = translate_messages(errors)
    return body


class WuyeApi(Api):
    """flask-smorest's Api with our error body."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message")
        if message is None and error.code not in _DEFAULT_MESSAGES and error.description:
            message = error.description
        errors = data.get("errors", data.get("messages"))
        body = error_body(error.code or 500, message, errors)
        if data.get("reason"):
            body["reason"] = data["reason"]
        response = jsonify(body)
        response.status_code = error.code or 500
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


class DomainError(Exception):
    """A rule of the domain refused something. Services raise it instead of answering HTTP, so
    a request, a job, a command, an import or a plugin can call them alike; one handler turns it
    into the JSON error body (the request's transaction is rolled back), a command prints it.

    `message` and the messages in `errors` are English msgids, translated for the reader."""

    status = 422

    def __init__(self, message: str | None = None, errors: dict | None = None):
        super().__init__(message or (errors and str(errors)) or self.__class__.__name__)
        self.message = message
        self.errors = errors

    def body(self) -> dict:
        return error_body(self.status, self.message, self.errors)


class Invalid(DomainError):
    """422: one field's value is refused, and why."""

    def __init__(self, field: str, message: str, location: str = "json"):
        super().__init__(None, {location: {field: [message]}})
        self.field = field


class NotFound(DomainError):
    """404: no such object — or one the caller may not see (the two look the same)."""

    status = 404


class Forbidden(DomainError):
    """403: the caller may not do this."""

    status = 403


class Conflict(DomainError):
    """409: the data's current state does not allow it (a stale version, a wrong status…)."""

    status = 409


# Unique indexes whose violation is a field's fault: the name PostgreSQL reports, and the
# columns SQLite reports ("table.column, …"), each -> (field, msgid). Registered by the package
# that owns the index; the check before the write gives the same answer in the usual case, this
# one answers the race two requests at once can still run into.
_UNIQUE_FIELDS: dict[str, tuple[str, str]] = {}


def unique_violation_field(index: str, sqlite_columns: str, field: str, message: str) -> None:
    """Answer a violation of the unique index `index` as 409 naming `field` with `message`."""
    _UNIQUE_FIELDS[index] = _UNIQUE_FIELDS[sqlite_columns] = (field, message)


def _violated_field(exc: IntegrityError) -> tuple[str, str] | None:
    orig = exc.orig
    name = getattr(getattr(orig, "diag", None), "constraint_name", None)  # psycopg
    if name is None:
        name = str(orig).removeprefix("UNIQUE constraint failed: ")  # sqlite3
    return _UNIQUE_FIELDS.get(name)


def invalid(field: str, message: str, location: str = "json"):
    """Refuse one field (422); `message` is an English msgid, translated on the way out."""
    raise Invalid(field, message, location)


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error says the database is away for now (down, restarting, unreachable,
    out of connections, it dropped our connection; SQLite locked past its busy timeout) rather
    than that something is wrong with the request or the code. Such a request is answered 503."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy saw the connection die under the statement
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg's, when the server sent one
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
    module = type(orig).__module__ or ""
    if module.startswith("psycopg"):
        # no SQLSTATE: the client could not reach the server, or lost it (refused, reset, timeout)
        return type(orig).__name__ == "OperationalError"
    if module == "sqlite3":
        return str(orig).startswith(_SQLITE_UNAVAILABLE)
    return False


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
UNENCODABLE = N_("Contains text that cannot be encoded as UTF-8 (half of a surrogate pair).")


def _unencodable(value) -> dict | list | None:
    """Where in a parsed JSON value a string (or an object's key) cannot be encoded as UTF-8,
    in the shape of marshmallow's errors (`{"name": [msg]}`, `{"roles": {0: {"role": [msg]}}}`);
    None if every string can."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [UNENCODABLE]
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if _unencodable(key) is not None:
            return {"_schema": [UNENCODABLE]} if isinstance(value, dict) else None
        inner = _unencodable(item)
        if inner is not None:
            return {key: inner}
    return None


def register_error_handlers(app, api: WuyeApi) -> None:
    @app.before_request
    def _json_body_parses():
        """A JSON body that does not parse is a 400, whatever breaks the parser: besides syntax,
        nesting past the recursion limit (RecursionError) and integers past Python's 4300 digits
        (ValueError), which the request parser would let through as a 500. The parsed body is
        cached for the request."""
        if request.is_json and (raw := request.get_data(cache=True)):
            try:
                body = request.get_json()
            except (ValueError, RecursionError, HTTPException) as exc:
                if isinstance(exc, HTTPException) and exc.code != 400:
                    raise
                abort(400, errors={"json": [N_("Invalid JSON body.")]})
            # JSON may escape half of a UTF-16 pair ("\ud800"): text no database, hash or
            # spreadsheet can encode. Only an escape in the raw body can make one (UTF-8 bytes
            # cannot), so the parsed body is searched only when the bytes have such an escape.
            if _SURROGATE_ESCAPE.search(raw):
                where = _unencodable(body)
                if where is not None:
                    abort(422, errors={"json": where})

    @app.errorhandler(IntegrityError)
    def _integrity(exc):
        from .extensions import db

        db.session.rollback()
        log.info("integrity error: %s", exc.orig)
        violated = _violated_field(exc)
        if violated is not None:
            field, message = violated
            return jsonify(error_body(409, None, {"json": {field: [message]}})), 409
        message = N_("This conflicts with existing data (duplicate or still in use).")
        return jsonify(error_body(409, message)), 409

    @app.errorhandler(DataError)
    def _data(exc):
        from .extensions import db

        db.session.rollback()
        log.warning("data error reached the database: %s", exc.orig)
        return jsonify(error_body(422, N_("A value is out of range for its field."))), 422

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        """The database is away: 503 with Retry-After, never a 500, and nothing of the request is
        kept. The pool recovers by itself: SQLAlchemy recycles the connections of a pool one of
        which died, and db_pool.py tests the ones that sat idle, so the first request after the
        database is back succeeds (README, operations)."""
        if not database_unavailable(exc):
            return _unexpected(exc)
        from .extensions import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone already: nothing to roll back on it
            log.debug("rollback after a lost database connection failed", exc_info=True)
        log.warning("database unavailable (%s %s): %s", request.method, request.path,
                    (str(exc.orig).strip().splitlines() or [""])[0])
        response = jsonify(error_body(503, DATABASE_UNAVAILABLE))
        response.status_code = 503
        response.headers["Retry-After"] = str(app.config["WUYE"].database_retry_after_seconds)
        return response

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        from .extensions import db

        db.session.rollback()  # nothing of a refused change is kept
        return jsonify(exc.body()), exc.status

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return api.handle_http_exception(exc)
        log.exception("unhandled error")
        return jsonify(error_body(500)), 500
