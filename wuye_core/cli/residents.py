"""`wuye residents code --tenant SLUG --phone PHONE`: the support desk reads a one-time code out
to a resident who gets no text message (no signal, an old phone). Recorded in the tenant's trail."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("residents")
def residents_group():
    """居民（手机号登录）/ Residents (phone sign-in)."""


@residents_group.command("code")
@click.option("--tenant", "tenant_slug", required=True, help="租户 / tenant slug")
@click.option("--phone", required=True, help="住户台账里登记的手机号 / the phone number in the household register")
@with_appcontext
def residents_code(tenant_slug, phone):
    """为居民生成登录验证码 / Issue a sign-in code for a resident (printed, not sent)."""
    from flask import current_app

    from ..audit import record
    from ..errors import Invalid
    from ..events.edge import unit_of_work
    from ..i18n import N_
    from ..resident_access.codes import in_register, issue_code
    from ..resident_access.phones import mask_phone, phone_digits
    from ..tenancy import tenant_context
    from ..tenants.service import tenant_by_slug

    tenant = tenant_by_slug(tenant_slug)
    digits = phone_digits(phone)
    with tenant_context(tenant.id), unit_of_work():
        if not in_register(digits):
            raise Invalid("phone", N_("No resident of this tenant's register has this phone number."))
        code = issue_code(digits, channel="support", issued_by="wuye residents code")
        record("resident.code_issued", target_type="phone", target_id=mask_phone(digits),
               details={"channel": "support"}, system_name="residents code")
    minutes = current_app.config["WUYE"].resident_code_minutes
    click.echo(f"验证码 / code: {code}  （{minutes} 分钟内有效，只能用一次 / valid {minutes} minutes, once）")
