"""公示 at the console: the disclosures of the communities the user reads, grouped as in
publication, scheduled and ended (withdrawn ones with them); a form to publish one with its files;
a disclosure's page with every version, the correction form (a new version: a reason, what
changes, the files kept and added) and the withdrawal. Every check and change is the API's:
disclosures/access.py, service.py, files.py and the API's schemas."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..api.access import require_staff
from ..common.clock import local_today
from ..disclosures import schemas as s
from ..disclosures import service
from ..disclosures.access import staff_disclosure, writer, writer_check
from ..disclosures.files import add_upload, download
from ..disclosures.models import Disclosure
from ..extensions import db
from ..households.models import Community, Site
from ..storage.files import storage
from .access import community_reader
from .blueprint import bp
from .forms import attempt, console_form, form_values

GROUPS = (("current", _l("In publication")), ("scheduled", _l("Scheduled")), ("ended", _l("Ended or withdrawn")))
SHOWN = 200  # per group: a community publishes a few a quarter
ACCEPT = ".pdf,.xlsx,.docx,.jpg,.jpeg,.png"
DONE = {"publish": _l("The disclosure is published."), "correct": _l("The correction is published as version %(version)s."),
        "withdraw": _l("The disclosure is withdrawn.")}


def _places(identity, *, writable: bool) -> tuple[list[tuple[int, str]], list[tuple[str, list[tuple[int, str]]]]]:
    """The communities the user reads (or writes in) and their sites grouped by community: the
    options of the forms' selects and of the list's filter."""
    allowed = identity.writable_communities() if writable else identity.readable_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if allowed is not None:
        stmt = stmt.where(Community.id.in_(allowed))
    communities = [(cid, name) for cid, name in db.session.execute(stmt)]
    sites: dict[int, list] = {cid: [] for cid, _name in communities}
    if communities:
        for sid, name, cid in db.session.execute(select(Site.id, Site.name, Site.community_id)
                                                 .where(Site.community_id.in_(list(sites))).order_by(Site.id)):
            sites[cid].append((sid, name))
    names = dict(communities)
    return communities, [(names[cid], options) for cid, options in sites.items() if options]


def _kinds():
    return list(service.KIND_LABELS.items())


@bp.route("/disclosures")
def disclosures():
    """公示：公示中、未开始、已结束（含已撤回）；可按社区筛选。"""
    identity = community_reader()
    communities, _sites = _places(identity, writable=False)
    community_id = request.args.get("community_id", type=int)
    groups = {}
    for key, _label in GROUPS:
        statuses = ("ended", "withdrawn") if key == "ended" else (key,)
        rows = []
        for status in statuses:
            stmt = service.staff_query(identity, community_id=community_id, status=status)
            rows += db.session.scalars(stmt.order_by(Disclosure.publish_from.desc(), Disclosure.id.desc())
                                       .limit(SHOWN))
        groups[key] = service.summaries(sorted(rows, key=lambda d: (d.publish_from, d.id), reverse=True))
    return render_template("console/disclosures/list.html", current="disclosures", groups=groups, group_names=GROUPS,
                           communities=communities, community_id=community_id,
                           writer=identity.writable_communities() != set(), statuses=service.STATUS_LABELS)


def _new_page(errors=None, values=None, status=200):
    identity = writer()
    communities, sites = _places(identity, writable=True)
    today = local_today()
    values = values if values is not None else {
        "publish_from": today.isoformat(), "publish_until": (today + timedelta(days=14)).isoformat(),
        "community_id": communities[0][0] if len(communities) == 1 else None}
    return render_template("console/disclosures/new.html", current="disclosures", communities=communities,
                           sites=sites, kinds=_kinds(), errors=errors or {}, values=values, accept=ACCEPT), status


def _uploads() -> list:
    return [f for f in request.files.getlist("file") if f and f.filename]


def _forget(keys: list[str]) -> None:
    """The files stored for a refused form: no row holds them any more."""
    for key in keys:
        storage().delete(key)


@bp.route("/disclosures/new")
def disclosure_new():
    """发布公示的表单。"""
    return _new_page()


@bp.route("/disclosures/new", methods=["POST"])
def disclosure_publish():
    """发布公示（与 POST /api/v1/disclosures 相同的校验与审计），附件随表单上传。"""
    identity = writer()
    values = form_values(s.DisclosureIn())
    values.pop("file_ids", None)
    data, errors = console_form(s.DisclosureIn(), values)
    status = 422
    if not errors:
        kept: list[str] = []

        def publish():
            ids = []
            for upload in _uploads():
                row = add_upload(upload, identity.username, field="file")
                kept.append(row.storage_key)
                ids.append(row.id)
            return service.publish(**{**data, "file_ids": ids}, actor=identity.username,
                                   authorize=writer_check(identity))

        disclosure, errors, status = attempt(publish)
        if not errors:
            flash(str(DONE["publish"]), "success")
            return redirect(url_for("console.disclosure", disclosure_id=disclosure.id))
        _forget(kept)
    return _new_page(errors, values, status)


def _detail(disclosure: Disclosure, errors=None, form: str = "", values=None, status=200):
    identity = require_staff()
    view = service.staff_view(disclosure)
    may_write = identity.can_write(disclosure.community_id)
    current = view["versions"][0]
    values = values if values is not None else {
        "title": current["title"], "summary": current["summary"] or "",
        "period_start": current["period_start"].isoformat(), "period_end": current["period_end"].isoformat(),
        "publish_from": current["publish_from"].isoformat(), "publish_until": current["publish_until"].isoformat(),
        "file_ids": [f["id"] for f in current["files"]]}
    return render_template("console/disclosures/detail.html", current="disclosures", d=view, errors=errors or {},
                           form=form, values=values, may_write=may_write, statuses=service.STATUS_LABELS,
                           accept=ACCEPT), status


@bp.route("/disclosures/<int:disclosure_id>")
def disclosure(disclosure_id: int):
    """一条公示：当前内容、全部版本及其附件；可更正（发布新版本）或撤回。"""
    return _detail(staff_disclosure(disclosure_id))


@bp.route("/disclosures/<int:disclosure_id>/correct", methods=["POST"])
def disclosure_correct(disclosure_id: int):
    """更正：发布新版本（与 POST /api/v1/disclosures/<id>/versions 相同）。"""
    identity = require_staff()
    found = staff_disclosure(disclosure_id)
    if not identity.can_write(found.community_id):
        abort(403)
    values = form_values(s.CorrectionIn())
    data, errors = console_form(s.CorrectionIn(), values)
    status = 422
    if not errors:
        kept: list[str] = []

        def correct():
            ids = list(data.get("file_ids") or [])
            for upload in _uploads():  # stored before the row is locked: no slow work under the lock
                row = add_upload(upload, identity.username, field="file")
                kept.append(row.storage_key)
                ids.append(row.id)
            locked = staff_disclosure(disclosure_id, write=True)
            return service.correct(locked, actor=identity.username, **{**data, "file_ids": ids})

        corrected, errors, status = attempt(correct)
        if not errors:
            flash(str(DONE["correct"]) % {"version": corrected.version}, "success")
            return redirect(url_for("console.disclosure", disclosure_id=disclosure_id))
        _forget(kept)
    return _detail(staff_disclosure(disclosure_id), errors, "correct",
                   {**values, "file_ids": [int(v) for v in request.form.getlist("file_ids") if v.isdigit()]}, status)


@bp.route("/disclosures/<int:disclosure_id>/withdraw", methods=["POST"])
def disclosure_withdraw(disclosure_id: int):
    """撤回：公示期提前结束（与 POST /api/v1/disclosures/<id>/withdraw 相同）。"""
    identity = require_staff()
    data, errors = console_form(s.DisclosureWithdrawIn())
    status = 422
    if not errors:
        _done, errors, status = attempt(lambda: service.withdraw(staff_disclosure(disclosure_id, write=True),
                                                                 data["reason"], identity.username))
        if status == 404:
            abort(404)
        if not errors:
            flash(str(DONE["withdraw"]), "success")
            return redirect(url_for("console.disclosure", disclosure_id=disclosure_id))
    return _detail(staff_disclosure(disclosure_id), errors, "withdraw", None, status)


@bp.route("/disclosures/<int:disclosure_id>/files/<int:disclosure_file_id>")
def disclosure_file(disclosure_id: int, disclosure_file_id: int):
    """附件（任一版本的）：与 API 的下载相同的访问检查。"""
    found = staff_disclosure(disclosure_id)
    return download(service.file_of_disclosure(found, disclosure_file_id, current_only=False))
