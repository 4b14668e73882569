"""我的信息: what the platform holds about the resident and their rights (个人信息保护法 arts.
44–47) in a few plain words; their copy as a JSON file (the API's download, resident_rights/
download.py: its audit entry, its throttle — one budget whichever door); asking for deletion
(reason optional); their requests and what became of them; signing out.

Like the API's, these pages need no consent to the privacy notice first (door.ALLOWED_BEFORE_
CONSENT). Once a deletion is approved the account has ended: the door finds the session's token
void and the resident lands on the sign-in page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..console.forms import attempt, console_form
from ..extensions import db
from ..i18n import N_, _
from ..i18n import lazy_gettext as _l
from ..resident_access import consent
from ..resident_rights import erasure
from ..resident_rights.download import copy_download, export_throttle
from ..resident_rights.models import DeletionRequest, RequestStatus
from ..resident_rights.schemas import DeletionRequestIn
from .blueprint import bp
from .pages import account

REQUESTED = N_("Your request is sent. The property company decides it; you will get a text message.")
CONFIRM = N_("Please tick the box to confirm.")
STATUSES = {RequestStatus.pending.value: _l("Waiting to be decided"),
            RequestStatus.approved.value: _l("Approved: erased"),
            RequestStatus.refused.value: _l("Refused")}


def _page(errors: dict | None = None, status: int = 200):
    requests = list(db.session.scalars(select(DeletionRequest).where(DeletionRequest.account_id == account().id)
                                       .order_by(DeletionRequest.id.desc()).limit(20)))
    waiting = any(r.status == RequestStatus.pending for r in requests)
    return render_template("h5/me.html", current="me", phone=account().phone, requests=requests, statuses=STATUSES,
                           waiting=waiting, agreed=not consent.needs_consent(account()), errors=errors or {},
                           values=request.form), status


@bp.route("/me")
def me():
    """What is held, my rights, my copy, my deletion requests, signing out."""
    return _page()


@bp.route("/me/my-data")
@export_throttle
def my_data():
    """My copy: a JSON file (the API's document)."""
    return copy_download(account())


@bp.route("/me/deletion-requests", methods=["POST"])
def ask_deletion():
    """Ask for my personal information to be deleted (one request waits at a time)."""
    data, errors = console_form(DeletionRequestIn(), {"reason": request.form.get("reason") or None})
    if not errors and request.form.get("confirm") != "yes":
        errors = {"confirm": [_(CONFIRM)]}
    if errors:
        return _page(errors, 422)
    refusal = attempt(lambda: erasure.file_request(account(), data.get("reason")))
    if refusal.status == 409:  # said in words (the service's 409 names the JSON body's field)
        return _page({"_": [_(erasure.ALREADY_WAITING)]}, 409)
    if refusal.errors:
        return _page(refusal.errors, refusal.status)
    flash(_(REQUESTED), "ok")
    return redirect(url_for("h5.me"))
