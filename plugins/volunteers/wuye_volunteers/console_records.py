"""The console's pages of service records, certificates, the year's hours and the 在职党员 report
(on console.pages; the services, schemas and checks are the API's: records.py,
record_corrections.py, certificates.py, yearly.py, party_report.py, routes_records.py).

Tab `records`: the community's records, one record (its corrections, and the form to correct it:
manager), a record entered by hand (manager), a member's records and certificates, certificates
(manager: the list, the form to issue one, one certificate and its download).
Tab `hours`: the year's hours (a year picker, this year by default; the workbook: manager) and the
在职党员 report (manager; its workbook). Organisers read records and hours; anyone else 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    GENERAL,
    LOCAL_TZ,
    attempt,
    console_form,
    current_identity,
    db,
    form_values,
    local_today,
    plugin_config,
    render_page,
    require_staff,
)

from . import certificates, party_report, record_corrections, records, vocab, yearly
from . import routes_records as api
from .access import NAME, is_manager, is_organiser, routed
from .console import choices, community, pages, query
from .i18n import _
from .models import Certificate, Member, ServiceRecord, Team

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _manager(community_id: int) -> bool:
    return is_manager(require_staff(), community_id)


def _require_manager(community_id: int) -> None:
    if not _manager(community_id):
        abort(403)


def _require_organiser(community_id: int) -> None:
    if not is_organiser(require_staff(), community_id):
        abort(403)


def _actor() -> str:
    return current_identity().username


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _local(moment) -> str:
    """An instant as a datetime-local input's value (Beijing wall-clock, to the minute)."""
    return moment.astimezone(LOCAL_TZ).strftime(DATETIME_LOCAL) if moment else ""


def _members(community_id: int) -> list[tuple[int, str]]:
    """The community's members for a <select>: active first, then by name (one query)."""
    rows = db.session.execute(select(Member.id, Member.name, Member.status).where(
        Member.community_id == community_id, Member.erased_at.is_(None)).order_by(Member.status, Member.name,
                                                                                 Member.id)).all()
    left = _("left")
    return [(mid, name if status == "active" else f"{name}（{left}）") for mid, name, status in rows]


def _teams(community_id: int) -> list[tuple[int, str]]:
    return [(tid, name) for tid, name in db.session.execute(
        select(Team.id, Team.name).where(Team.community_id == community_id).order_by(Team.name)).all()]


# --- records -----------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/records")
def records_list(community_id):
    """服务记录: the community's records, filtered; the manager adds one by hand."""
    _require_organiser(community_id)
    args, problems = query(api.RecordQuery())
    page = api.record_page(community_id, args)
    return render_page("volunteers/records_list.html", community=community(community_id), tab="records", page=page,
                       args=args, problems=problems, members=_members(community_id), teams=_teams(community_id),
                       sources=choices(vocab.RECORD_SOURCES), manager=_manager(community_id))


def _record_form(community_id: int, values, errors: dict, status: int = 200):
    return render_page("volunteers/records_form.html", community=community(community_id), tab="records",
                       values=values, errors=errors, members=_members(community_id),
                       evaluations=choices(vocab.EVALUATIONS),
                       max_minutes=plugin_config(NAME, community_id).get("max_record_minutes", 720)), status


@pages.route("/communities/<int:community_id>/records/new", methods=["GET", "POST"])
def records_new(community_id):
    """A record entered by hand (manager): service done outside an activity or a task."""
    _require_manager(community_id)
    if request.method == "GET":
        return _record_form(community_id, {"member_id": request.args.get("member_id", "")}, {})
    data, errors = console_form(api.ManualRecordIn())
    status = 422
    if not errors:
        done = attempt(lambda: records.add_manual(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The service record is added."), ".records_record", record_id=done.result.id)
        errors, status = done.errors, done.status
    return _record_form(community_id, request.form, errors, status)


def _current_values(record: ServiceRecord) -> dict:
    """The correction form's values: the record's, as the inputs hold them."""
    return {"minutes": str(record.minutes), "content": record.content, "place": record.place,
            "started_at": _local(record.started_at), "ended_at": _local(record.ended_at),
            "evaluation": record.evaluation or ""}


def _record_page(record: ServiceRecord, values=None, errors: dict | None = None, status: int = 200):
    _require_organiser(record.community_id)
    shown = records.record_detail(record)
    labels = {"minutes": _("Minutes"), "content": _("Service"), "place": _("Place"),
              "started_at": _("Start"), "ended_at": _("End"), "evaluation": _("Evaluation")}
    return render_page("volunteers/records_record.html", community=community(record.community_id), tab="records",
                       r=shown, manager=_manager(record.community_id), values=values or _current_values(record),
                       errors=errors or {}, evaluations=choices(vocab.EVALUATIONS), labels=labels,
                       evaluation_labels=dict(choices(vocab.EVALUATIONS))), status


@pages.route("/records/<int:record_id>")
def records_record(record_id):
    """A record: what, where, when, how long, who confirmed it; its corrections, oldest first."""
    return _record_page(routed(ServiceRecord, record_id))


@pages.route("/records/<int:record_id>/correct", methods=["POST"])
def records_correct(record_id):
    """Correct a record (manager): only the inputs changed from the record's values are sent."""
    record = routed(ServiceRecord, record_id)
    _require_manager(record.community_id)
    current = _current_values(record)
    values = {key: value for key, value in form_values(api.RecordPatch()).items()
              if key not in current or value != current[key]}
    data, errors = console_form(api.RecordPatch(), values)
    status = 422
    if not set(values) & set(record_corrections.FIELDS):  # the form came back as the record is
        errors = {**errors, GENERAL: [_("The correction changes nothing: send the fields to correct, with their "
                                        "new values.")]}
        errors.pop("_schema", None)
    if not errors:
        done = attempt(lambda: record_corrections.correct(record_id, data, _actor()))
        if not done.errors:
            return _done(_("The record is corrected."), ".records_record", record_id=record_id, _anchor="history")
        errors, status = done.errors, done.status
    return _record_page(routed(ServiceRecord, record_id), request.form, errors, status)


@pages.route("/members/<int:member_id>/records")
def records_member(member_id):
    """A member's records (by period) and, for the manager, their certificates."""
    member = routed(Member, member_id)
    _require_organiser(member.community_id)
    args, problems = query(api.MemberRecordQuery())
    page = api.member_record_page(member, args)
    manager = _manager(member.community_id)
    issued = (certificates.certificates_out(list(db.session.scalars(
        select(Certificate).where(Certificate.member_id == member.id).order_by(Certificate.id.desc())).all()))
        if manager else [])
    return render_page("volunteers/records_member.html", community=community(member.community_id), tab="records",
                       member=member, kind=vocab.label(vocab.MEMBER_KINDS, member.kind), page=page, args=args,
                       problems=problems, sources=choices(vocab.RECORD_SOURCES), manager=manager, issued=issued)


# --- certificates ------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/certificates")
def certificates_list(community_id):
    """志愿服务证明 issued in the community (manager)."""
    _require_manager(community_id)
    args, problems = query(api.CertificateQuery())
    page = api.certificate_page(community_id, args)
    return render_page("volunteers/certificates_list.html", community=community(community_id), tab="records",
                       page=page, args=args, problems=problems)


def _certificate_form(member: Member, values, errors: dict, status: int = 200):
    return render_page("volunteers/certificates_form.html", community=community(member.community_id), tab="records",
                       member=member, values=values, errors=errors, today=local_today().isoformat()), status


@pages.route("/members/<int:member_id>/certificates/new", methods=["GET", "POST"])
def certificates_new(member_id):
    """Issue a certificate to the member for a period (manager)."""
    member = routed(Member, member_id)
    _require_manager(member.community_id)
    if request.method == "GET":
        today = local_today()
        return _certificate_form(member, {"period_start": today.replace(month=1, day=1).isoformat(),
                                          "period_end": today.isoformat()}, {})
    values = {**form_values(api.CertificateIn()), "member_id": str(member.id)}
    data, errors = console_form(api.CertificateIn(), values)
    status = 422
    if not errors:
        done = attempt(lambda: certificates.issue(member.community_id, data, _actor()))
        if not done.errors:
            return _done(_("The certificate is issued."), ".certificates_certificate",
                         certificate_id=done.result.id)
        errors, status = done.errors, done.status
    return _certificate_form(routed(Member, member_id), request.form, errors, status)


@pages.route("/certificates/<int:certificate_id>")
def certificates_certificate(certificate_id):
    """A certificate: its number, period and figures as issued, and its download."""
    certificate = routed(Certificate, certificate_id)
    _require_manager(certificate.community_id)
    shown = certificates.certificates_out([certificate])[0]
    now_records, now_minutes = certificates.period_figures(certificate.member_id, certificate.period_start,
                                                           certificate.period_end)
    changed = (now_records, now_minutes) != (certificate.records, certificate.minutes)
    return render_page("volunteers/certificates_certificate.html", community=community(certificate.community_id),
                       tab="records", c=shown, changed=changed, now_records=now_records, now_minutes=now_minutes)


@pages.route("/certificates/<int:certificate_id>/download")
def certificates_download(certificate_id):
    """The certificate's .docx (manager; recorded in the audit trail as an export)."""
    certificate = routed(Certificate, certificate_id)
    _require_manager(certificate.community_id)
    return certificates.download(certificate)


# --- the year's hours and the 在职党员 report ----------------------------------------------------------


def _year(problems: dict) -> int:
    """The page's year: `?year=`, this year by default or when the year given is refused."""
    this_year = local_today().year
    text = request.args.get("year", "")
    if not text:
        return this_year
    if text.isdigit() and yearly.FIRST_YEAR <= int(text) <= this_year:
        return int(text)
    problems["year"] = [_("Choose a year from %(first)s to this year.", first=yearly.FIRST_YEAR)]
    return this_year


def _years(chosen: int) -> list[tuple[int, int]]:
    this_year = local_today().year
    years = sorted({*range(max(yearly.FIRST_YEAR, this_year - 9), this_year + 1), chosen}, reverse=True)
    return [(y, y) for y in years]


@pages.route("/communities/<int:community_id>/hours")
def hours_year(community_id):
    """年度服务时长: the community's total, each team's, and the people ranked (a year picker)."""
    _require_organiser(community_id)
    args, problems = query(api.PeopleQuery())
    year = _year(problems)
    return render_page("volunteers/hours_year.html", community=community(community_id), tab="hours", year=year,
                       years=_years(year), summary=yearly.summary(community_id, year),
                       page=api.people_page(community_id, year, args), problems=problems,
                       manager=_manager(community_id))


@pages.route("/communities/<int:community_id>/hours/export")
def hours_export(community_id):
    """The year's hours as an .xlsx (manager; audited)."""
    _require_manager(community_id)
    return yearly.download(community_id, _year({}))


def _party_args() -> tuple[dict, dict]:
    args, problems = query(api.PartyReportQuery())
    return args, problems


@pages.route("/communities/<int:community_id>/party-report")
def hours_party_report(community_id):
    """在职党员进社区服务情况 (manager): by workplace party organisation, those below flagged."""
    _require_manager(community_id)
    args, problems = _party_args()
    first, last = api.party_period(args)
    figures = party_report.report(community_id, first, last)
    return render_page("volunteers/hours_party_report.html", community=community(community_id), tab="hours",
                       figures=figures, args=args, problems=problems, years=_years(first.year),
                       query_string=request.query_string.decode(), period=party_report.period_text(figures))


@pages.route("/communities/<int:community_id>/party-report/export")
def hours_party_export(community_id):
    """The 在职党员 report as an .xlsx (manager; audited)."""
    _require_manager(community_id)
    args, _problems = _party_args()
    return party_report.download(party_report.report(community_id, *api.party_period(args)))

