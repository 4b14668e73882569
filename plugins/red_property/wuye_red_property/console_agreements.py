"""Console pages of 共建协议与全覆盖: a community's co-building agreements (a list and a form to
record one), an agreement (its terms and sites, a form to change them), and who manages a site
(the form behind the coverage page's "change"). Same services and schemas as the API
(coverage.record_agreement, change_agreement, manage_site; AgreementIn, SiteManagementIn). The
company is chosen among the community's service links in force (partners.py); with none, the
pages say where links are made (the core's page /console/links)."""

from __future__ import annotations

from flask import request

from wuye_core.plugins import Site, console_form, render_page

from .common import readable, require_write
from .console import attempt_form, community_name, done, may_write, pages, query_args
from .console_field import _sites
from .coverage import (
    MANAGERS,
    AgreementIn,
    AgreementQuery,
    SiteManagementIn,
    agreement_detail,
    agreements_page,
    change_agreement,
    manage_site,
    management_of,
    record_agreement,
)
from .i18n import _
from .models import Agreement
from .partners import CREATE_LINKS_AT, options

CURRENT = "red_property.coverage"
SITE_IDS = "site_ids"


def _by_input(errors: dict) -> dict:
    """A message about one of the chosen sites ("site_ids.0") shown at the sites' checkboxes."""
    out: dict = {}
    for key, messages in errors.items():
        out.setdefault(SITE_IDS if key.startswith(SITE_IDS + ".") else key, []).extend(messages)
    return out


def _agreement_form(call):
    """(redirect, None, None) once the call went through, else (None, errors, status)."""
    data, errors = console_form(AgreementIn())
    status = 422
    if not errors:
        agreement, errors, status = attempt_form(lambda: call(data))
        if not errors:
            return agreement, {}, status
    return None, _by_input(errors), status


@pages.route("/communities/<int:community_id>/agreements", methods=["GET", "POST"])
def agreements(community_id):
    errors, status, values = {}, 200, {}
    if request.method == "POST":
        require_write(community_id)  # 403 before the form is read, as at the API
        values = request.form
        agreement, errors, status = _agreement_form(lambda data: record_agreement(community_id, data))
        if agreement is not None:
            return done(_("The agreement is recorded."), "agreement", agreement_id=agreement.id)
    args = query_args(AgreementQuery())
    sites = _sites(community_id)
    return render_page(
        "red_property/agreements.html", community_id=community_id, community=community_name(community_id),
        page=agreements_page(community_id, args), sites=sites, site_names=dict(sites), errors=errors,
        values=values, chosen={str(v) for v in request.form.getlist(SITE_IDS)} if values else set(),
        writable=may_write(community_id), links=options(community_id), create_links_at=CREATE_LINKS_AT,
        current=CURRENT,
    ), status


@pages.route("/agreements/<int:agreement_id>", methods=["GET", "POST"])
def agreement(agreement_id):
    row = readable(Agreement, agreement_id)
    errors, status = {}, 200
    if request.method == "POST":
        require_write(row.community_id)
        agreement_row, errors, status = _agreement_form(lambda data: change_agreement(agreement_id, data))
        if agreement_row is not None:
            return done(_("The agreement is changed."), "agreement", agreement_id=agreement_id)
        row = readable(Agreement, agreement_id)
    shown = agreement_detail(row)
    if request.method == "POST":
        values = request.form
        chosen = {str(v) for v in request.form.getlist(SITE_IDS)}
    else:
        values = {key: shown[key] for key in AgreementIn().fields if key != SITE_IDS}
        values = {key: ("" if value is None else value.isoformat() if hasattr(value, "isoformat") else value)
                  for key, value in values.items()}
        chosen = {str(v) for v in shown["site_ids"]}
    sites = _sites(row.community_id)
    return render_page(
        "red_property/agreement.html", agreement=shown, community_id=row.community_id,
        community=community_name(row.community_id), sites=sites, site_names=dict(sites), errors=errors,
        values=values, chosen=chosen, writable=may_write(row.community_id), links=options(row.community_id),
        create_links_at=CREATE_LINKS_AT, current=CURRENT,
    ), status


@pages.route("/sites/<int:site_id>/management", methods=["GET", "POST"])
def site_management(site_id):
    site = readable(Site, site_id)
    errors, status, values = {}, 200, {}
    if request.method == "POST":
        require_write(site.community_id)
        values = request.form
        data, errors = console_form(SiteManagementIn())
        status = 422
        if not errors:
            _result, errors, status = attempt_form(lambda: manage_site(site_id, data))
            if not errors:
                return done(_("Who manages the site is recorded."), "coverage", community_id=site.community_id)
    else:
        values = {key: "" if value is None else value for key, value in management_of(site).items()}
    said = {"company": _("A property company"), "own_team": _("The community's own team")}
    managers = [(key, said[key]) for key in MANAGERS]
    return render_page(
        "red_property/site_management.html", site=site, community_id=site.community_id,
        community=community_name(site.community_id), managers=managers, errors=errors, values=values,
        shown=management_of(site), links=options(site.community_id), create_links_at=CREATE_LINKS_AT,
        writable=may_write(site.community_id), current=CURRENT,
    ), status
