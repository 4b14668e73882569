"""Plugins' inbound webhooks (API 1.13, hook `wuye_webhooks`): a payment provider's signed
notification reaching a plugin without a staff login.

    POST /api/v1/webhooks/<tenant slug>/<plugin>/<name>

No token, no session, no CSRF token: the tenant is named by its slug, and the plugin's handler
verifies the request itself (a signature, common/signatures.py). The core answers 404 — the API's
JSON error — for an unknown or inactive tenant, an unknown plugin or webhook, or a plugin not
enabled for the tenant; 413 past MAX_BODY; 429 past the per-address limit. Then it enters the
tenant and calls the handler; its `(status, payload)` is the answer, and the request's edge
(events/edge.py) commits it below 400 and rolls it back otherwise, as for every API request —
so events the handler emitted are relayed after the commit. A DomainError is answered by the
app's handler (errors.py, rolled back); anything else is logged here with the plugin's name and
answered 500.

A plain Flask blueprint, deliberately left out of the OpenAPI document: its bodies and answers
are each provider's, not ours, and the document describes the API staff and residents call.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from flask_smorest import abort
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..api.access import public
from ..errors import DomainError
from ..extensions import limiter
from ..tenancy import enter_tenant_by_slug
from .dispatch import enabled_names, host
from .types import WebhookHeaders, WebhookRequest

log = logging.getLogger(__name__)

PREFIX = "/api/v1/webhooks"
MAX_BODY = 64 * 1024  # a provider's notification is a few KiB; the API's 16 MiB is for uploads
ADDRESS_SCOPE = "webhook-address"

blp = Blueprint("webhooks", __name__, url_prefix=PREFIX)


def _address_limit() -> str:
    return current_app.config["WUYE"].webhook_limit_per_address


@blp.url_value_preprocessor
def _cap_the_body(_endpoint, _values) -> None:
    # url_value_preprocessors run before every before_request function, so no one (errors.py's
    # JSON check) reads more than this of the body: werkzeug answers 413 past it
    request.max_content_length = MAX_BODY


@blp.post("/<slug>/<plugin>/<name>")
@public
@limiter.shared_limit(_address_limit, ADDRESS_SCOPE)
def receive(slug: str, plugin: str, name: str):
    loaded = host().plugins.get(plugin)
    webhook = loaded.webhooks.get(name) if loaded is not None else None
    if webhook is None:
        abort(404)
    tenant = enter_tenant_by_slug(slug)
    if tenant is None or plugin not in enabled_names():
        abort(404)
    webhook_request = WebhookRequest(tenant_id=tenant.id, body=request.get_data(cache=True),
                                     headers=WebhookHeaders(request.headers.items()),
                                     remote_addr=request.remote_addr)
    try:
        result = webhook.handler(webhook_request)
        status, payload = result
        if not (isinstance(status, int) and 100 <= status <= 599 and isinstance(payload, dict)):
            raise TypeError(f"a webhook handler returns (status, payload dict), not {result!r}")
        response = jsonify(payload)
    except (DomainError, HTTPException, DBAPIError):
        raise  # answered by the app's handlers as anywhere in the API (4xx, or 503 with the database away)
    except Exception:
        log.exception("webhook %s/%s failed (tenant %s)", plugin, name, tenant.id)
        abort(500)
    response.status_code = status
    return response


def install(app) -> None:
    app.register_blueprint(blp)
