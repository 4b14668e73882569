"""More of the plugin's console pages (the blueprint and helpers are console.py's): amending a
visit within `amend_days`, the community's referrals (转介) and their progress, assigning plan
items to a care worker, issuing a brief and the ledger's download.

The API's services, access functions, schemas and access-log actions (routes_visits.py,
routes_plans.py, routes_briefs.py): a refusal comes back from `attempt` with its errors by field
and its status, the form is shown again with them, and everything the call wrote is rolled back."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    attempt,
    console_form,
    current_identity,
    db,
    form_values,
    get_for_update,
    paginate,
    render_page,
    staff_names,
)

from . import briefing, listing, service, vocab
from . import schemas as s
from .access import audit, audited, care_object, care_staff_choices, holds_care_role, mask_name
from .console import VISIT_TEXTS, _community, _labels, _query, pages
from .i18n import _
from .models import CarePerson, CarePlanItem, CareReferral, CareVisit

# --- amending a visit ---------------------------------------------------------------------------


def _visit_values(visit: CareVisit) -> dict:
    """The recorded visit as the form shows it (the fields VisitPatch may change)."""
    values = {key: getattr(visit, key) for key in ("visitors", "outcome", *VISIT_TEXTS)}
    values.update({f"risk_{k}": getattr(visit, f"risk_{k}") for k in vocab.RISKS})
    values["visited_on"] = visit.visited_on.isoformat()
    values["next_visit_on"] = visit.next_visit_on.isoformat() if visit.next_visit_on else ""
    values["needs"] = vocab.from_flags(visit.need_flags, vocab.NEEDS)
    values["help"] = vocab.from_flags(visit.help_flags, vocab.HELP)
    return values


def _amend_values() -> dict:
    """The form as the API's PATCH body: every field of the form is sent (the service keeps only
    what differs); an emptied text or date is sent as null, no box ticked as an empty list."""
    schema = s.VisitPatch(partial=s.AMENDABLE)
    values = form_values(schema)
    for key in (*VISIT_TEXTS, "next_visit_on"):
        if key in request.form and key not in values:
            values[key] = None
    for key in ("needs", "help"):
        values.setdefault(key, [])
    return values


def _amend_page(visit: CareVisit, values, errors: dict, status: int = 200, closed: bool = False):
    person = db.session.get(CarePerson, visit.person_id)
    resident = listing.residents([person.resident_id]).get(person.resident_id)
    amendments = service.amendments_of(visit.id)
    names = staff_names([a["amended_by"] for a in amendments])
    return render_page(
        "care_visits/amend_form.html", community=_community(visit.community_id), visit=visit,
        person=listing.person_summary(person, resident), values=values, errors=errors, closed=closed,
        until=service.amendable_until(visit), amendments=amendments, names=names, today=_today(),
        outcomes=_labels(vocab.OUTCOMES), needs=_labels(vocab.NEEDS), help=_labels(vocab.HELP),
        risks=_labels(vocab.RISKS), risk_levels=_labels(vocab.RISK_LABELS),
        field_names=_field_names(),
    ), status


def _today() -> str:
    from . import clock

    return clock.today().isoformat()


def _field_names() -> dict:
    names = {"visited_on": _("Date of the visit"), "visitors": _("Visitors"), "outcome": _("Outcome"),
             "needs": _("Needs"), "help": _("Help given"), "next_visit_on": _("Next visit by"),
             "main_needs": _("Main needs, in words"), "living_conditions": _("Living conditions"),
             "mental_state": _("State of mind"), "hazards": _("Hazards found"), "special_notes": _("Special notes"),
             "root_cause": _("Root causes"), "help_given": _("Help given, in words"),
             "recommendation": _("Recommendation"), "followup_plan": _("Follow-up plan")}
    names.update({f"risk_{k}": label for k, label in _labels(vocab.RISKS)})
    return names


def _may_amend(visit: CareVisit):
    """The service's own check (author or care supervisor; within amend_days): a Refusal."""
    identity = current_identity()
    return attempt(lambda: service.check_amendable(
        visit, identity, holds_care_role(identity, visit.community_id, supervisor=True)))


@pages.route("/visits/<int:visit_id>/amend")
@audited("open_amend_form")
def amend_visit_form(visit_id):
    """更正走访记录: the recorded visit in the form, with its earlier amendments (a read of the
    visit in full: audited). 403 for whom the service refuses; past amend_days, why."""
    visit = care_object(CareVisit, visit_id)
    refusal = _may_amend(visit)
    if refusal.status == 403:
        abort(403)
    audit(visit.community_id, visit.person_id, "visit", visit.id)
    return _amend_page(visit, _visit_values(visit), refusal.errors, closed=bool(refusal.errors))


@pages.route("/visits/<int:visit_id>/amend", methods=["POST"])
@audited("amend_visit")
def amend_visit(visit_id):
    """The API's PATCH of a visit: VisitPatch, the person then the visit locked, service.amend_visit
    (its amendment record, the access log and the core's audit trail, in one transaction)."""
    data, errors = console_form(s.VisitPatch(partial=s.AMENDABLE), _amend_values())
    status = 422
    found = care_object(CareVisit, visit_id)
    if not errors:
        person = get_for_update(CarePerson, found.person_id)  # as the API: the person first, then the visit
        visit = care_object(CareVisit, visit_id, lock=True)
        identity = current_identity()
        done = attempt(lambda: service.amend_visit(
            visit, person, data, identity, holds_care_role(identity, visit.community_id, supervisor=True),
            audit=lambda a: audit(visit.community_id, visit.person_id, "visit", visit.id, commit=False)))
        if not done.errors:
            flash(_("Visit of %(date)s amended.", date=visit.visited_on.isoformat()), "success")
            return redirect(url_for(".person", person_id=visit.person_id, _anchor="visits"))
        errors, status = done.errors, done.status
        found = db.session.get(CareVisit, visit_id)
    db.session.rollback()
    if status == 403:
        abort(403)
    values = {**request.form.to_dict(), "needs": request.form.getlist("needs"), "help": request.form.getlist("help")}
    return _amend_page(found, values, errors, status, closed=status == 409 and "status" in errors)


# --- referrals ----------------------------------------------------------------------------------


def _people_masked(person_ids) -> dict[int, str]:
    ids = {i for i in person_ids if i}
    if not ids:
        return {}
    people = db.session.scalars(select(CarePerson).where(CarePerson.id.in_(ids))).all()
    found = listing.residents(p.resident_id for p in people)
    return {p.id: mask_name(found[p.resident_id].name) if p.resident_id in found else "—" for p in people}


@pages.route("/communities/<int:community_id>/referrals")
@audited("list_referrals")
def referrals(community_id):
    """The community's referrals: those not closed (open or accepted) first, or by status."""
    args, problems = _query(s.ReferralQuery())
    if "status" not in args and "open" not in request.args:
        args["open"] = True
    page = paginate(listing.referrals_query(community_id, args), CareReferral, args)
    audit(community_id)
    names = _people_masked(r.person_id for r in page["items"])
    return render_page("care_visits/referrals.html", community=_community(community_id), page=page, args=args,
                       problems=problems, names=names, bodies=dict(_labels(vocab.BODIES)),
                       states=_labels(vocab.REFERRAL_STATES), state_names=dict(_labels(vocab.REFERRAL_STATES)))


def _referral_page(referral: CareReferral, values, errors: dict, status: int = 200):
    return render_page(
        "care_visits/referral.html", community=_community(referral.community_id), referral=referral,
        name=_people_masked([referral.person_id]).get(referral.person_id, "—"),
        bodies=dict(_labels(vocab.BODIES)), state_names=dict(_labels(vocab.REFERRAL_STATES)),
        next_states=[(k, vocab.label(vocab.REFERRAL_STATES, k)) for k in vocab.REFERRAL_STATES
                     if k in vocab.REFERRAL_NEXT[referral.status]],
        values=values, errors=errors, today=_today(),
    ), status


@pages.route("/referrals/<int:referral_id>")
@audited("read_referral")
def referral(referral_id):
    """One referral, and the form to record its progress and outcome (as far as its state allows)."""
    found = care_object(CareReferral, referral_id)
    audit(found.community_id, found.person_id, "referral", found.id)
    return _referral_page(found, {"outcome": found.outcome}, {})


@pages.route("/referrals/<int:referral_id>", methods=["POST"])
@audited("change_referral")
def change_referral(referral_id):
    """The API's PATCH of a referral: ReferralPatch, the row locked, service.move_referral."""
    data, errors = console_form(s.ReferralPatch())
    status = 422
    if not errors:
        found = care_object(CareReferral, referral_id, lock=True)
        audit(found.community_id, found.person_id, "referral", found.id, commit=False)
        done = attempt(lambda: service.move_referral(found, data, current_identity().username))
        if not done.errors:
            flash(_("Referral updated: %(state)s.", state=vocab.label(vocab.REFERRAL_STATES, found.status)), "success")
            return redirect(url_for(".referral", referral_id=found.id))
        errors, status = done.errors, done.status
    db.session.rollback()
    return _referral_page(care_object(CareReferral, referral_id), request.form, errors, status)


# --- assigning plan items -----------------------------------------------------------------------


@pages.route("/plan-items/<int:plan_item_id>/assign", methods=["POST"])
@audited("assign_plan_item")
def assign_plan_item(plan_item_id):
    """The API's PATCH of a plan item: PlanItemPatch, the row locked, only to a care role there.
    An empty choice takes the assignment back. A refusal is shown on the plan."""
    values = {"assignee_id": request.form.get("assignee_id") or None}
    data, errors = console_form(s.PlanItemPatch(), values)
    status = 422
    item = care_object(CarePlanItem, plan_item_id)
    if not errors:
        def assign():
            locked = care_object(CarePlanItem, plan_item_id, lock=True)  # gone if erased meanwhile: 404
            return service.assign_plan_item(  # the access-log row commits the change with it
                locked, data["assignee_id"], audit=lambda i: audit(i.community_id, i.person_id, "plan_item", i.id))
        done = attempt(assign)
        if not done.errors:
            who = dict(care_staff_choices(item.community_id)).get(data["assignee_id"])
            flash(_("Assigned to %(name)s.", name=who) if who else _("Assignment taken back."), "success")
            return redirect(url_for(".plan", community_id=item.community_id, _anchor=f"item-{item.id}"))
        errors, status = done.errors, done.status
    db.session.rollback()
    from .console import plan_page

    return plan_page(item.community_id, {plan_item_id: errors}, status)


# --- issuing a brief, the ledger ----------------------------------------------------------------


@pages.route("/briefs/<int:brief_id>/issue", methods=["POST"])
@audited("issue_brief")
def issue_brief(brief_id):
    """签发简报 (the care lead: 404 for anyone else): the API's issue — the brief locked, then the
    office's counter (issuing.issue under its row lock), the number committed with the access log,
    the files built again with the masthead."""
    briefing.require_lead(briefing.find_brief(brief_id))
    data, errors = console_form(s.BriefIssueIn())
    status = 422
    if not errors:
        done = attempt(lambda: briefing.issue(brief_id, data))
        if not done.errors:
            brief = done.result
            flash(_("Issued as No. %(number)s of %(year)s.", number=brief.issue_number, year=brief.issue_year),
                  "success")
            return redirect(url_for(".brief", brief_id=brief_id))
        errors, status = done.errors, done.status
    db.session.rollback()
    from .console import brief_page

    return brief_page(brief_id, request.form, errors, status)


@pages.route("/briefs/<int:brief_id>/ledger.xlsx")
@audited("export_brief_xlsx")
def brief_xlsx(brief_id):
    """下载台账 (.xlsx): the API's download — core audit, access log, watermark."""
    return briefing.download(brief_id, "xlsx")
