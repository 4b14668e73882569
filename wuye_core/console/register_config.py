"""A community's config at the console: the service numbers of the core section and the tickets
section (categories, the 5341 SLA policy by priority, auto-close), edited in a form and saved by
the API's own service (community_config.change_config: tenant admins only, the same validation
by the registered section schemas, the version check, the audit record and the revision). Other
sections (plugins', who is notified) are kept as they are. Errors are shown next to the field
they name ("tickets.sla.normal.arrive_minutes")."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from ..api.pagination import paginate
from ..config_history import ConfigRevision
from ..events import rollback
from ..households.access import readable_community
from ..households.community_config import change_config, effective_config, history_statement
from ..i18n import _
from .blueprint import bp
from .forms import GENERAL, domain_errors
from .register import trail_of_community

PRIORITIES = (("normal", lazy_gettext("Ordinary")), ("urgent", lazy_gettext("Urgent")),
              ("major", lazy_gettext("Major")), ("complex", lazy_gettext("Special and complex")))
CORE_FIELDS = (("core.service_phone", lazy_gettext("Service phone")),
               ("core.service_hours", lazy_gettext("Service hours")),
               ("core.window_address", lazy_gettext("Address of the one-stop window")))
STAGES = ("arrive_minutes", "resolve_minutes")


def _flat(config: dict) -> dict:
    """The form's values from a config document, by dotted name."""
    tickets = config.get("tickets") or {}
    sla = tickets.get("sla") or {}
    core = config.get("core") or {}
    values = {name: core.get(name.split(".", 1)[1]) for name, _label in CORE_FIELDS}
    values["tickets.categories"] = "\n".join(tickets.get("categories") or [])
    values["tickets.sla.name"] = sla.get("name")
    values["tickets.auto_close_days"] = tickets.get("auto_close_days")
    for priority, _label in PRIORITIES:
        for stage in STAGES:
            values[f"tickets.sla.{priority}.{stage}"] = (sla.get(priority) or {}).get(stage)
    return values


def _document(config: dict, form) -> dict:
    """The stored document with the form's fields put in (strings: the sections' schemas load
    them as the API's JSON would be; an empty number is "no deadline")."""
    def text(name):
        value = (form.get(name) or "").strip()
        return value or None

    def number(name):
        value = text(name)
        try:
            return None if value is None else int(value)
        except ValueError:
            return value  # refused by the section's schema: "Not a valid integer."

    core = dict(config.get("core") or {})
    for name, _label in CORE_FIELDS:
        core[name.split(".", 1)[1]] = text(name)
    if core.get("service_hours") is None:
        core.pop("service_hours")  # its default
    tickets = dict(config.get("tickets") or {})
    tickets["categories"] = [line.strip() for line in (form.get("tickets.categories") or "").splitlines()
                             if line.strip()]
    sla = dict(tickets.get("sla") or {})
    sla["name"] = text("tickets.sla.name") or ""
    for priority, _label in PRIORITIES:
        sla[priority] = {stage: number(f"tickets.sla.{priority}.{stage}") for stage in STAGES}
    tickets["sla"] = sla
    tickets["auto_close_days"] = number("tickets.auto_close_days")
    return {**config, "core": core, "tickets": tickets}


def _errors(exc) -> dict | None:
    errors = domain_errors(exc)
    if errors is None:
        return None
    if "version" in errors:  # someone saved since the form was opened
        return {GENERAL: [_("The config was changed by someone else; reload and try again.")]}
    out: dict = {}
    for key, messages in errors.items():
        name = key.removeprefix("config.")
        if name.startswith("tickets.categories."):
            name = "tickets.categories"
        out.setdefault(name, []).extend(messages)
    return out


@bp.route("/register/communities/<int:community_id>/config", methods=["GET", "POST"])
def register_config(community_id: int):
    """社区配置：服务电话、工单类别、5341 时限（管理员可改；保存留痕、留版本）。"""
    community = readable_community(community_id)
    editable = g.identity.is_tenant_admin
    errors: dict = {}
    version = community.config_version
    if request.method == "POST":
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            version = -1
        document = _document(effective_config(community), request.form)
        try:
            change_config(community.id, version, document)
        except Exception as exc:
            errors = _errors(exc)
            if errors is None:
                raise
            rollback()
        else:
            flash(_("The config is saved (version %(version)s).", version=community.config_version), "success")
            return redirect(url_for("console.register_config", community_id=community.id))
        community = readable_community(community_id)
        values = {k: request.form.get(k, "") for k in request.form}
    else:
        values = _flat(effective_config(community))
    history = paginate(history_statement(community), ConfigRevision,
                       {"page": 1, "per_page": 10, "sort": (("id", True),)})
    crumbs = [*trail_of_community(community),
              (_("Config"), url_for("console.register_config", community_id=community.id))]
    return render_template("console/register/config.html", current="register", community=community, values=values,
                           errors=errors, editable=editable, version=version, priorities=PRIORITIES,
                           core_fields=CORE_FIELDS, history=history["items"], crumbs=crumbs), 422 if errors else 200
