"""Forms of the console, loaded by the API's own marshmallow schemas: the same rules and the same
messages (translated), shown next to the field they name.

    data, errors = console_form(TicketCreate())          # request.form through the schema
    if not errors:
        try:
            service.create_ticket(...)
        except DomainError as exc:                        # a rule of the service refused it
            errors = domain_errors(exc)

`errors` maps a field name to its messages (already in the reader's language); the key "_"
holds a message about the whole form. Templates show them with the `field` macro
(templates/console/_forms.html).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from flask import request
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, error_body
from ..events import rollback
from ..i18n import translate_message, translate_messages

GENERAL = "_"  # the key of a message about the whole form
_NOT_FIELDS = frozenset({"csrf_token"})


def form_values(schema: Schema, form: Mapping | None = None) -> dict:
    """The submitted values a schema should load: empty inputs left out (the schema's default
    applies, a required field says so), list fields from every input of that name."""
    form = request.form if form is None else form
    values = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in _NOT_FIELDS or field.dump_only:
            continue
        if isinstance(field, fields.List) and hasattr(form, "getlist"):
            items = [v for v in form.getlist(key) if v != ""]
            if items:
                values[key] = items
            continue
        value = form.get(key)
        if value is None or value == "":
            continue
        if isinstance(field, fields.Boolean) and value == "on":  # a checked checkbox
            value = True
        values[key] = value
    return values


class FormText(dict):
    """A form's values: text, converted by the schema's fields as a query string's are (not
    refused for not being JSON numbers: StrictSchema checks the JSON types of a plain dict only)."""


def console_form(schema: Schema, values: Mapping | None = None) -> tuple[dict | None, dict]:
    """Load the submitted form (or `values`) through `schema`: (data, {}) or (None, errors)."""
    try:
        return schema.load(FormText(form_values(schema) if values is None else values)), {}
    except ValidationError as exc:
        return None, _by_field(translate_messages(exc.messages))


def domain_errors(exc: BaseException) -> dict | None:
    """The errors of a refused change, by field: a service's DomainError, or an HTTP refusal
    raised on the way (`abort(403)`, `abort(422, errors=…)`). None for anything else."""
    if isinstance(exc, DomainError):
        body = exc.body()
    elif isinstance(exc, HTTPException) and exc.code and 400 <= exc.code < 500:
        data = getattr(exc, "data", None) or {}
        body = error_body(exc.code, data.get("message"), data.get("errors", data.get("messages")))
    else:
        return None
    errors = dict(body.get("errors") or {})
    if body.get("code") == 409:  # a conflict's status and allowed actions are the object's state, no field
        errors.pop("status", None)
        errors.pop("allowed_actions", None)
    errors.pop("plugin", None)
    title = errors.pop("plugin_title", None)  # a plugin's veto (host/dispatch.Vetoed): named with its reason
    by_field = _by_field(errors) or {GENERAL: [body["message"]]}
    if title:
        by_field = {name: [f"{title}：{message}" for message in messages] for name, messages in by_field.items()}
    return by_field


class Refusal(NamedTuple):
    """What `attempt` gives back: the call's result, or the refusal's errors by field and status."""

    result: Any
    errors: dict
    status: int


def attempt(call: Callable[[], Any]) -> Refusal:
    """Run a service call for a form: `Refusal(result, {}, 200)`, or — when a rule refuses it
    (DomainError, or abort() with 4xx on the way) — `Refusal(None, errors by field, status)` with
    everything the call changed rolled back (and its events forgotten), so the page can be shown
    again with the messages next to the fields and the refusal's status (422, 409, 403 …).
    Anything else (a bug, the database away) goes on to the error handlers."""
    try:
        return Refusal(call(), {}, 200)
    except (DomainError, HTTPException) as exc:
        errors = domain_errors(exc)
        if errors is None:  # not a refusal (a 5xx on the way)
            raise
        rollback()
        status = exc.status if isinstance(exc, DomainError) else exc.code
        return Refusal(None, errors, status)


def _by_field(messages) -> dict:
    """{"json": {"title": [...]}} or {"title": [...]} → {"title": [...]}; nested fields by
    their dotted path ("members.0.name")."""
    if isinstance(messages, dict) and set(messages) <= {"json", "form", "query", "path", "files"}:
        flat: dict = {}
        for inner in messages.values():
            flat.update(_by_field(inner))
        return flat
    out: dict = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            out.setdefault(prefix or GENERAL, []).extend(translate_message(str(v)) if not isinstance(v, str) else v
                                                         for v in value)
        else:
            out.setdefault(prefix or GENERAL, []).append(str(value))

    walk("", messages)
    if "_schema" in out:
        out.setdefault(GENERAL, []).extend(out.pop("_schema"))
    return out
