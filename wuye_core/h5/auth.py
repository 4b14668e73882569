"""Signing in at the residents' pages: the entry page of a community's link (its name and service
phone, the phone number asked), the code, the privacy notice on the first sign-in, signing out.
The services and the throttling are the API's (resident_access/codes.py, consent.py, limits.py:
one budget per phone and per address whichever door is knocked on).

A link may name the page to open (`?next=/h5/…`, links.resident_link: a QR code of a plugin's
page): kept in the session (door.NEXT) and opened after signing in and agreeing to the notice —
at once when the resident is already signed in to the link's tenant."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from ..api.access import public
from ..auth.identity import enter_with_token
from ..console.forms import attempt, console_form
from ..events import commit
from ..extensions import limiter
from ..i18n import N_, translate_message
from ..resident_access import codes, consent, limits
from ..resident_access.schemas import CodeRequest, ResidentTokenRequest
from ..resident_access.tickets import service_phone
from .blueprint import bp
from .door import ENTRY, NEXT, TOKEN, local_page, signed_in
from .links import resolve
from .pages import account

CODE_SENT = N_("If this number is in the register, a code is on its way by text message. No message? "
               "The service desk can give you one.")


def _form_phone_key() -> str:
    return limits.phone_key(request.view_args.get("slug", ""), request.form.get("phone", ""))


def _not_post() -> bool:
    return request.method != "POST"


def _link(slug: str, key: str):
    found = resolve(slug, key)
    if found is None:
        abort(404)
    return found


def _page(template: str, slug: str, key: str, status: int = 200, **values):
    tenant, community = _link(slug, key)
    return render_template(template, slug=slug, key=key, tenant=tenant, community=community,
                           service_phone=service_phone(community), **values), status


@bp.route("/c/<slug>/<key>")
@public
def entry(slug, key):
    """The page of the gate's QR code: the community's name and service phone, sign in by phone."""
    if "next" in request.args:  # the page the link names, if it is one of ours; else none
        target = local_page(request.args["next"])
        if target:
            session[NEXT] = target
        else:
            session.pop(NEXT, None)
    # signed in to this tenant already (by a link of it: a request enters one tenant only): there
    entry = session.get(ENTRY)
    if entry and entry[0] == slug and enter_with_token(session.get(TOKEN)) == "resident":
        _link(slug, key)
        return redirect(_next_page())
    return _page("h5/entry.html", slug, key, errors={}, values={})


def _next_page() -> str:
    return session.pop(NEXT, None) or url_for("h5.home")


@bp.route("/c/<slug>/<key>/code", methods=["POST"])
@public
@limiter.shared_limit(limits.code_limit, limits.PHONE_SCOPE, key_func=_form_phone_key, exempt_when=_not_post)
@limiter.shared_limit(limits.address_limit, limits.ADDRESS_SCOPE, exempt_when=_not_post)
def ask_code(slug, key):
    """Send a code to the phone (the same answer whether or not the register lists it)."""
    _link(slug, key)
    data, errors = console_form(CodeRequest(), {"tenant": slug, "phone": request.form.get("phone", "")})
    if errors:
        return _page("h5/entry.html", slug, key, 422, errors=errors, values=request.form)
    codes.request_code(data["phone"])
    return _page("h5/code.html", slug, key, errors={}, phone=data["phone"], message=translate_message(CODE_SENT))


@bp.route("/c/<slug>/<key>/sign-in", methods=["POST"])
@public
@limiter.shared_limit(limits.address_limit, limits.ADDRESS_SCOPE, deduct_when=limits.failed, exempt_when=_not_post)
def sign_in(slug, key):
    """The code typed: signed in (then the notice, the first time), or told to try again."""
    _link(slug, key)
    phone = request.form.get("phone", "")
    data, errors = console_form(ResidentTokenRequest(), {"tenant": slug, "phone": phone,
                                                               "code": request.form.get("code", "")})
    if errors:
        return _page("h5/code.html", slug, key, 422, errors=errors, phone=phone)
    result = codes.sign_in(slug, data["phone"], data["code"])
    commit()  # a wrong try counts, although the answer is a refusal
    if result is None:
        return _page("h5/code.html", slug, key, 401, errors={"code": [translate_message(limits.WRONG_CODE)]},
                     phone=phone)
    target = session.get(NEXT)
    signed_in(result["access_token"], (slug, key))  # a fresh session: the page to open goes on in it
    if result["consent_required"]:
        if target:
            session[NEXT] = target
        return redirect(url_for("h5.consent"))
    return redirect(target or url_for("h5.home"))


@bp.route("/start")
@public
def no_link():
    """Reached without a community's link (signed out, the session gone): scan the gate's code."""
    return render_template("h5/start.html")


@bp.route("/privacy", methods=["GET", "POST"], endpoint="consent")
def consent_page():
    """The privacy notice in force; agreeing to it (the first time, and after it changed)."""
    notice = consent.current_notice()
    errors, status = {}, 200
    if request.method == "POST":  # the version the page showed (a form's text: ConsentIn takes JSON's integer)
        refusal = attempt(lambda: consent.consent(account(), request.form.get("version", 0, type=int)))
        if not refusal.errors:
            return redirect(_next_page())
        errors, status = refusal.errors, refusal.status
    english = str(get_locale()) == "en" and notice.text_en
    return render_template("h5/consent.html", notice=notice, text=notice.text_en if english else notice.text_zh,
                           agreed=not consent.needs_consent(account()), errors=errors), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out: every session and token of this resident ends (like the API's logout)."""
    codes.sign_out(account())
    commit()
    entry = session.get(ENTRY)
    session.clear()
    if entry:
        session[ENTRY] = entry  # to sign in again from the same community's page
    return redirect(url_for("h5.no_link") if not entry else url_for("h5.entry", slug=entry[0], key=entry[1]))

