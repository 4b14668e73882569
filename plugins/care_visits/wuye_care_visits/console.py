"""The plugin's pages in wuye's web console (hook `wuye_console`, docs/plugins.md §3.2): the
register (masked, as the API lists it), this month's plan, the visit form (made for a phone),
a person's visit history, briefs to build and download, and a dashboard panel.

An edge like the API's routes: the same gate (the core's: 404 where the plugin is off; then
`access.gate`: 404 without a care role), the same queries (listing.py), rules (service.py,
briefing.py) and schemas, and the same access log — every page declares its action with
`@audited` and writes its row (`ConsolePages` refuses a view without one)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from wuye_core.plugins import (
    Building,
    Community,
    ConsolePart,
    MenuEntry,
    Panel,
    Resident,
    console_form,
    current_identity,
    db,
    domain_errors,
    paginate,
    plugin_communities,
    render_page,
    require_staff,
    staff_names,
)

from . import briefing, clock, listing, service, vocab
from . import schemas as s
from .access import (
    NAME,
    SUPERVISOR,
    WORKER,
    audit,
    audited,
    care_object,
    care_staff_choices,
    gate,
    holds_care_role,
    mask_name,
    mask_phone,
)
from .figures import care_figures
from .i18n import _
from .models import CareBrief, CarePerson, CarePlanItem, CareVisit

OPEN_VIEWS = ("index", "static")  # no care data: the chooser of communities, the stylesheet


class ConsolePages(Blueprint):
    """The console's blueprint of the plugin: `access.gate` before each page (404 without a care
    role where the URL names a community or a care record), and every page declared with
    `@audited` (RuntimeError when the app is built otherwise), like the API's CareBlueprint."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_gate)

    def register(self, app, options):
        super().register(app, options)
        name = options.get("name", self.name)
        missing = [endpoint for endpoint, view in app.view_functions.items()
                   if endpoint.startswith(name + ".") and endpoint.split(".", 1)[1] not in OPEN_VIEWS
                   and not hasattr(view, "care_audit_action")]
        if missing:
            raise RuntimeError("care console pages without an access-log action (@audited): " + ", ".join(missing))


def _gate() -> None:
    if (request.endpoint or "").rsplit(".", 1)[-1] not in OPEN_VIEWS:
        gate()


pages = ConsolePages("care_visits_console", __name__, template_folder="templates", static_folder="static")


# --- helpers ----------------------------------------------------------------------------------------


def _care_communities() -> list[Community]:
    """The communities where the plugin is on and the caller holds a care role, by name."""
    identity = require_staff()
    ids = {c for c in plugin_communities(NAME) if holds_care_role(identity, c)}
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.name)).all())


def _community(community_id: int) -> Community:
    return db.session.get(Community, community_id)  # the gate found it in the tenant


def _query(schema) -> tuple[dict, dict]:
    """A list page's query string through the API's query schema (empty inputs left out); a
    wrong value is shown and the list falls back to its defaults."""
    values = {k: v for k, v in request.args.items() if v != "" and k in schema.fields}
    try:
        return schema.load(values), {}
    except ValidationError as exc:
        return schema.load({}), {k: v for k, v in exc.messages.items()}


def _refusal(exc: Exception) -> tuple[dict, int]:
    """A service's refusal as the form shows it: errors by field, and its status (403, 409, 422,
    429…); anything else is not a refusal and goes on up."""
    errors = domain_errors(exc)
    if errors is None:
        raise exc
    return errors, getattr(exc, "code", None) or getattr(exc, "status", None) or 422


def _labels(vocabulary: dict) -> list[tuple[str, str]]:
    return [(code, vocab.label(vocabulary, code)) for code in vocabulary]


def _this_month() -> str:
    return clock.today().strftime("%Y-%m")


# --- pages ------------------------------------------------------------------------------------------


@pages.route("/")
def index():
    """关爱走访: the communities where the caller does care work, each with its pages."""
    return render_page("care_visits/index.html", communities=_care_communities(), month=_this_month())


@pages.route("/communities/<int:community_id>/people")
@audited("list_people")
def people(community_id):
    """The register: names and phones masked, as the API lists them (every role)."""
    args, problems = _query(s.PersonQuery())
    page = paginate(listing.people_query(community_id, args), CarePerson, args)
    page["items"] = listing.people_out(page["items"])
    audit(community_id)
    difficulties = _labels(vocab.DIFFICULTIES)
    return render_page("care_visits/people.html", community=_community(community_id), page=page, args=args,
                       problems=problems, levels=[(level, level) for level in vocab.LEVELS],
                       difficulties=difficulties, difficulty_names=dict(difficulties))


NEW_RESIDENT = ("name", "phone", "gender", "birth_year", "id_card", "building_id", "entrance", "room")


def _number(value: str | None):
    """A typed number as a number (the schema then checks its range); anything else as typed."""
    return int(value) if value and value.isdigit() else (value or None)


def _person_values(form) -> dict:
    """The register form as the API's PersonIn body: a registered resident, or a new one
    (`new_resident`, the core's registration) — the same schema, the same messages."""
    values = {"level": form.get("level") or None, "difficulties": form.getlist("difficulties"),
              "consent_visits": "consent_visits" in form, "consent_photos": "consent_photos" in form,
              "consent_sharing": form.getlist("consent_sharing")}
    if form.get("mode") == "new":
        new = {key: form.get(f"new_resident.{key}", "").strip() for key in NEW_RESIDENT}
        new = {key: value for key, value in new.items() if value}
        for key in ("building_id", "birth_year"):
            if key in new:
                new[key] = _number(new[key])
        values["new_resident"] = new
    else:
        values["resident_id"] = _number(form.get("resident_id"))
    return {key: value for key, value in values.items() if value is not None}


def _person_form(community_id: int, values, errors: dict, status: int = 200):
    q = (request.args.get("q") or "").strip()[:50]
    candidates = []
    if q:  # residents of the community not on the care register yet, by name (at most 20)
        on_register = select(CarePerson.resident_id).where(CarePerson.resident_id.is_not(None))
        candidates = db.session.scalars(
            select(Resident).where(Resident.community_id == community_id, Resident.name.contains(q),
                                   Resident.id.not_in(on_register)).order_by(Resident.name).limit(20)).all()
    buildings = db.session.execute(select(Building.id, Building.name).where(Building.community_id == community_id)
                                   .order_by(Building.name)).all()
    return render_page(
        "care_visits/person_form.html", community=_community(community_id), values=values, errors=errors, q=q,
        candidates=[(r.id, f"{mask_name(r.name)} · {mask_phone(r.phone) or '—'}") for r in candidates],
        buildings=[(b.id, b.name) for b in buildings], levels=[(level, level) for level in vocab.LEVELS],
        difficulties=_labels(vocab.DIFFICULTIES), bodies=_labels(vocab.BODIES),
        may_add_resident=current_identity().has_role(WORKER, community_id),
    ), status


@pages.route("/communities/<int:community_id>/people/new")
@audited("find_resident")
def new_person(community_id):
    """Put a person on the care register: find a registered resident (masked), or add a new one."""
    audit(community_id)
    mode = "new" if request.args.get("mode") == "new" else "existing"
    return _person_form(community_id, {"mode": mode, "consent_visits": True}, {})


@pages.route("/communities/<int:community_id>/people/new", methods=["POST"])
@audited("create_person")
def create_person(community_id):
    """The API's registration (PersonIn, service.register_person): one transaction, the access log."""
    data, errors = console_form(s.PersonIn(), _person_values(request.form))
    status = 422
    if not errors:
        try:
            found = service.register_person(
                community_id, data, current_identity(),
                audit=lambda p: audit(community_id, p.id, "person", p.id, commit=False))
        except Exception as exc:  # a rule refused it (the core's register, a duplicate, the role)
            errors, status = _refusal(exc)
        else:
            flash(_("Added to the care register."), "success")
            return redirect(url_for(".person", person_id=found.id))
    db.session.rollback()
    values = {**request.form.to_dict(), "difficulties": request.form.getlist("difficulties"),
              "consent_sharing": request.form.getlist("consent_sharing")}
    return _person_form(community_id, values, errors, status)


@pages.route("/communities/<int:community_id>/plan")
@audited("list_plans")
def plan(community_id):
    """This month's plan: who is due a visit, overdue first by due date (or every overdue item)."""
    return plan_page(community_id)


def plan_page(community_id: int, item_errors: dict | None = None, status: int = 200):
    """The plan; `item_errors` {plan item id: errors} (a refused assignment, shown at its item
    with its status, and not in the access log: nothing was read or changed)."""
    overdue_only = request.args.get("overdue") == "1"
    args, problems = _query(s.PlanQuery())
    if "sort" not in request.args:
        args["sort"] = s.PlanQuery().load({"sort": "due_on"})["sort"]
    month = _this_month()
    filters = {"overdue": True} if overdue_only else {"period": month}
    page = paginate(listing.plans_query(community_id, filters), CarePlanItem, args)
    page["items"] = listing.plan_items_out(page["items"])
    if status < 400:
        audit(community_id)
    late = db.session.scalar(listing.count(listing.plans_query(community_id, {"overdue": True})))
    staff = care_staff_choices(community_id)  # who an item may be assigned to (routes_plans' rule)
    return render_page("care_visits/plan.html", community=_community(community_id), page=page, month=month,
                       overdue_only=overdue_only, overdue_count=late, problems=problems, staff=staff,
                       staff_names=dict(staff), item_errors=item_errors or {}), status


@pages.route("/communities/<int:community_id>/plan/generate", methods=["POST"])
@audited("generate_plan")
def generate_plan(community_id):
    """Make this month's plan from the register (repeating it adds nothing new)."""
    audit(community_id, commit=False)  # generate_plan commits it with the plan
    created = service.generate_plan(community_id, _this_month())
    flash(_("Added %(count)s people to this month's plan.", count=created), "success")
    return redirect(url_for(".plan", community_id=community_id))


def _visit_form(community_id: int, person: CarePerson, values: dict, errors: dict, status: int = 200):
    resident = listing.residents([person.resident_id]).get(person.resident_id)
    return render_page(
        "care_visits/visit_form.html", community=_community(community_id),
        person=listing.person_summary(person, resident), values=values, errors=errors,
        today=clock.today().isoformat(), outcomes=_labels(vocab.OUTCOMES), needs=_labels(vocab.NEEDS),
        help=_labels(vocab.HELP), risks=_labels(vocab.RISKS), risk_levels=_labels(vocab.RISK_LABELS),
        open_details=any(k in errors for k in (*VISIT_TEXTS, "next_visit_on")),
    ), status


VISIT_TEXTS = ("main_needs", "living_conditions", "mental_state", "hazards", "special_notes", "root_cause",
               "help_given", "recommendation", "followup_plan")


def _visit_target(person_id: int) -> CarePerson | None:
    person = care_object(CarePerson, person_id)
    if person.erased_at is not None:
        flash(_("This record was erased at the person's request."), "error")
        return None
    return person


@pages.route("/people/<int:person_id>/visits/new")
@audited("open_visit_form")
def new_visit(person_id):
    """The visit form, made for a phone: today (Beijing time), the signed-in visitor, no risk."""
    person = _visit_target(person_id)
    if person is None:
        return redirect(url_for(".person", person_id=person_id))
    me = current_identity().username
    audit(person.community_id, person.id, "person", person.id)
    return _visit_form(person.community_id, person, {
        "visited_on": clock.today().isoformat(), "outcome": "visited", "visitors": staff_names([me])[me],
        **{f"risk_{k}": "none" for k in vocab.RISKS}}, {})


@pages.route("/people/<int:person_id>/visits/new", methods=["POST"])
@audited("create_visit")
def record_visit(person_id):
    """Record a visit: the API's VisitIn (the person from the URL) and service.record_visit."""
    person = _visit_target(person_id)
    if person is None:
        return redirect(url_for(".person", person_id=person_id))
    community_id = person.community_id
    data, errors = console_form(s.VisitIn(exclude=("person_id",)))
    status = 422
    if not errors:
        try:
            person = listing.person_to_visit(community_id, person.id)
            visit = service.record_visit(
                person, data, current_identity().username,
                audit=lambda v: audit(v.community_id, v.person_id, "visit", v.id, commit=False),
            )
        except Exception as exc:  # a rule of the service refused it: shown next to its field
            errors, status = _refusal(exc)
        else:
            flash(_("Visit of %(date)s recorded.", date=visit.visited_on.isoformat()), "success")
            return redirect(url_for(".person", person_id=person.id, _anchor="visits"))
    db.session.rollback()
    return _visit_form(community_id, person, request.form, errors, status)


@pages.route("/people/<int:person_id>")
@audited("read_person")
def person(person_id):
    """One person: their record (opened whole, as the API opens it: audited) and their visits."""
    found = care_object(CarePerson, person_id)
    args, problems = _query(s.VisitQuery())
    page = paginate(listing.visits_query(found.community_id, {"person_id": found.id}), CareVisit, args)
    cfg, now = service.config(found.community_id), datetime.now(UTC)  # within amend_days: a link to amend
    visits = [{"id": v.id, "visited_on": v.visited_on, "visitors": v.visitors, "outcome": v.outcome,
               "risks": {k: getattr(v, f"risk_{k}") for k in vocab.RISKS}, "ticket_id": v.ticket_id,
               "needs": vocab.from_flags(v.need_flags, vocab.NEEDS),
               "amendable": now < (service.amendable_until(v, cfg) or now)} for v in page["items"]]
    page["items"] = visits
    audit(found.community_id, found.id, "person", found.id)
    return render_page("care_visits/person.html", community=_community(found.community_id),
                       record=listing.person_detail(found), page=page, problems=problems,
                       outcomes=dict(_labels(vocab.OUTCOMES)), risk_labels=dict(_labels(vocab.RISK_LABELS)),
                       risk_names=dict(_labels(vocab.RISKS)), needs=dict(_labels(vocab.NEEDS)),
                       difficulties=dict(_labels(vocab.DIFFICULTIES)))


@pages.route("/communities/<int:community_id>/briefs")
@audited("list_briefs")
def briefs(community_id):
    """The community's briefs, newest first, and the form to build one."""
    audit(community_id)  # a list view (committed first: the rows are read after it)
    today = clock.today()
    return _briefs_page(community_id, {"period_start": today.replace(day=1).isoformat(),
                                       "period_end": today.isoformat()}, {})


@pages.route("/communities/<int:community_id>/briefs", methods=["POST"])
@audited("create_brief")
def start_brief(community_id):
    """Build a brief for a period: the API's start (size cap, the caller's budget, the job)."""
    data, errors = console_form(s.BriefIn())
    status = 422
    if not errors:
        try:
            found = briefing.start(community_id, data)
        except Exception as exc:  # the size cap (422) or the caller's budget (429)
            errors, status = _refusal(exc)
        else:
            flash(_("The brief is being built."), "success")
            return redirect(url_for(".brief", brief_id=found.id))
    db.session.rollback()
    return _briefs_page(community_id, request.form, errors, status)


def _briefs_page(community_id: int, values, errors: dict, status: int = 200):
    args, problems = _query(s.BriefQuery())
    page = paginate(select(CareBrief).where(CareBrief.community_id == community_id), CareBrief, args)
    return render_page("care_visits/briefs.html", community=_community(community_id), page=page, values=values,
                       errors=errors, today=clock.today().isoformat()), status


@pages.route("/briefs/<int:brief_id>")
@audited("read_brief")
def brief(brief_id):
    """A brief: its progress (the page asks again while it is being built), then its downloads."""
    found = briefing.find_brief(brief_id)
    audit(found.community_id, None, "brief", found.id)
    return brief_page(brief_id, {"title": found.title, "followup_notes": found.followup_notes}, {})[0]


def brief_page(brief_id: int, values, errors: dict, status: int = 200):
    """The brief's page (its state; the issue form for the care lead), or its state alone for htmx."""
    found = briefing.find_brief(brief_id)
    template = "care_visits/_brief_status.html" if request.headers.get("HX-Request") else "care_visits/brief.html"
    out = s.BriefOut().dump(found)  # the API's reading: the narrative and the error in the reader's language
    return render_page(template, brief=found, community=_community(found.community_id) if found.community_id else None,
                       narrative=out.get("narrative") or [], error_text=out.get("error"), values=values,
                       errors=errors, lead=holds_care_role(require_staff(), found.community_id, supervisor=True)), status


@pages.route("/briefs/<int:brief_id>/brief.docx")
@audited("export_brief_docx")
def brief_docx(brief_id):
    """下载简报 (.docx): the API's download — core audit, access log, watermark."""
    return briefing.download(brief_id, "docx")


# --- the dashboard panel -------------------------------------------------------------------------


def _panel(community_ids: list[int]) -> str:
    """Key figures per community, only where the caller holds a care role (read-only)."""
    identity = require_staff()
    shown = [c for c in community_ids if holds_care_role(identity, c)]
    if not shown:  # no care data for them (README): only why
        return render_page("care_visits/panel.html", plugin=NAME, rows=[])
    names = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(shown))).all())
    rows = [(cid, names.get(cid, ""), care_figures(cid)) for cid in shown]
    return render_page("care_visits/panel.html", plugin=NAME, rows=rows)


def console_part() -> ConsolePart:
    return ConsolePart(
        blueprint=pages,
        menu=(MenuEntry("care", label_zh="关爱走访", label_en="Care visits", endpoint="index",
                        roles=(WORKER, SUPERVISOR), order=60),),
        panels=(Panel("care_figures", title_zh="关爱走访", title_en="Care visits", render=_panel),),
    )


from . import console_records  # noqa: E402,F401  (more pages on the same blueprint)
