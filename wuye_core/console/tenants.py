"""Tenants (platform operators only): the platform's tenants — slug, name, kind, active — from
tenants/service.py, as GET /api/v1/tenants lists them. Nothing of any tenant's data."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext

from ..api.access import require_operator
from ..api.pagination import PageArgs, paginate
from ..tenancy.models import Tenant, TenantKind
from ..tenants.service import every_tenant
from .blueprint import bp
from .forms import console_form

KINDS = {TenantKind.company: lazy_gettext("Property company"), TenantKind.subdistrict: lazy_gettext("Subdistrict office")}


@bp.route("/tenants")
def tenants():
    """租户列表（平台管理员）。"""
    require_operator()
    args, errors = console_form(PageArgs(), {k: v for k, v in request.args.items() if k == "page"})
    if errors:
        args = PageArgs().load({})
    page = paginate(every_tenant(), Tenant, args)
    return render_template("console/tenants/list.html", current="tenants", page=page, kinds=KINDS)
