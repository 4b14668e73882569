"""Sending a resident a text message: through the tenant's SMS provider plugin (hook
`wuye_sms_send`, e.g. a commercial SMS service), else into the log — the embedded default and a
tenant without a provider still work, the code is read from the log (or issued by the support
desk, `wuye residents code`). Called after the commit that stored what the text refers to."""

from __future__ import annotations

import logging

from ..host.dispatch import call_contained
from ..i18n import N_, _
from ..tenancy import tenant_context
from .phones import mask_phone

log = logging.getLogger(__name__)

CODE_TEXT = N_("Your sign-in code is %(code)s, valid for %(minutes)s minutes. Do not tell anyone.")


def send_text(tenant_id: int, digits: str, text: str, purpose: str) -> str | None:
    """The name of the plugin that sent it, or None (nobody did: the text went to the log)."""
    with tenant_context(tenant_id):
        for plugin, sent in call_contained("wuye_sms_send", None, tenant_id=tenant_id, phone=digits, text=text,
                                           purpose=purpose):
            if sent:
                return plugin
    log.warning("no SMS provider sent this text (tenant %s, %s, %s): %s", tenant_id, mask_phone(digits), purpose,
                text)
    return None


def send_code(tenant_id: int, digits: str, code: str) -> str | None:
    from flask import current_app

    minutes = current_app.config["WUYE"].resident_code_minutes
    return send_text(tenant_id, digits, _(CODE_TEXT, code=code, minutes=minutes), "sign_in_code")
