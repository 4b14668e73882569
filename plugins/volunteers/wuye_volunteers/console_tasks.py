"""Console pages of tasks (tab `tasks`; the blueprint and helpers are console.py's):

- `/communities/<id>/tasks`        the tasks, by status, skill and source; a button to a new request
- `/communities/<id>/tasks/new`    a resident's request taken at the window or on the phone
- `/tasks/<id>`                    a task: what it says, its candidates with 指派给他/她, the moves
- `/tasks/<id>/<move>`             the forms of the task's page (POST): edit, accept, give-up, complete, cancel
- `/tickets/<id>/task`             交给服务联盟: the form the ticket's page links to (hook wuye_ticket_links)

The API's services and checks (tasks.py, matching.py): a refusal comes back from `attempt` with its
errors by field and its status, the page is shown again with them, and everything the call wrote
is rolled back.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from marshmallow import fields, validate

from wuye_core.plugins import (
    LOCAL_TZ,
    StrictSchema,
    Text,
    attempt,
    console_form,
    db,
    form_values,
    invalid,
    paginate,
    ranked,
    render_page,
    require_staff,
    ticket_summary,
)

from . import matching, tasks, vocab
from .access import is_organiser
from .console import choices, community, pages, query
from .i18n import N_, _
from .models import Member, Task
from .routes_tasks import CancelIn, TaskIn, TaskPatch, TaskQuery


class CompleteForm(StrictSchema):
    """The console's completion: hours as people count them (0.25 steps), the start in Beijing time."""

    hours = fields.Float(required=True, validate=validate.Range(0.25, 24))
    outcome = Text(500, min_length=1, required=True)
    started_at = fields.NaiveDateTime(format="%Y-%m-%dT%H:%M", load_default=None, allow_none=True)


class AssignForm(StrictSchema):
    member_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))


def _maker(community_id: int):
    identity = require_staff()
    if not tasks.may_make_tasks(identity, community_id):
        abort(403)
    return identity


def _organiser(community_id: int):
    identity = require_staff()
    if not is_organiser(identity, community_id):
        abort(403)
    return identity


def _routed_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)  # the gate loaded it and checked its community
    if task is None:
        abort(404)
    return task


def _done(message: str, task_id: int):
    flash(message, "success")
    return redirect(url_for(".task_page", task_id=task_id), code=303)


# --- the list --------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/tasks")
def tasks_list(community_id):
    """需求对接: the community's tasks, newest first, by status, skill and source."""
    identity = _maker(community_id)
    args, problems = query(TaskQuery())
    page = paginate(tasks.list_query(community_id, args), Task, args,
                    columns={"status": ranked(Task.status, tuple(vocab.TASK_STATUSES))})
    page["items"] = tasks.tasks_out(page["items"], identity)
    return render_page("volunteers/tasks_list.html", community=community(community_id), tab="tasks", page=page,
                       args=args, problems=problems, statuses=choices(vocab.TASK_STATUSES),
                       skills=choices(vocab.SKILLS), sources=choices(vocab.TASK_SOURCES))


def _request_form(community_id: int, values, errors: dict, status: int = 200):
    return render_page("volunteers/tasks_request.html", community=community(community_id), tab="tasks",
                       values=values, errors=errors, skills=choices(vocab.SKILLS)), status


@pages.route("/communities/<int:community_id>/tasks/new", methods=["GET", "POST"])
def tasks_new(community_id):
    """A resident's request for help, taken by staff: the requester, the place, what is needed."""
    identity = _maker(community_id)
    if request.method == "GET":
        return _request_form(community_id, {}, {})
    values = {**form_values(TaskIn()), "source": "request"}
    data, errors = console_form(TaskIn(), values)
    status = 422
    if not errors:
        done = attempt(lambda: tasks.create_task(community_id, data, identity.username))
        if not done.errors:
            return _done(_("The request is handed to the alliance as task #%(id)s.", id=done.result.id),
                         done.result.id)
        errors, status = done.errors, done.status
    return _request_form(community_id, request.form, errors, status)


# --- a task ----------------------------------------------------------------------------------------


def _task_page(task_id: int, errors: dict | None = None, status: int = 200, form: str | None = None):
    task = _routed_task(task_id)
    identity = _maker(task.community_id)
    shown = tasks.task_out(task, identity)
    organiser = is_organiser(identity, task.community_id)
    found = matching.candidates(task, identity) if task.status == "offered" else None
    values = request.form if errors else {}
    return render_page(
        "volunteers/tasks_task.html", community=community(task.community_id), tab="tasks", task=shown,
        found=found, organiser=organiser, errors=errors or {}, form=form, values=values,
        skills=choices(vocab.SKILLS),
    ), status


@pages.route("/tasks/<int:task_id>")
def task_page(task_id):
    return _task_page(task_id)


def _move(task_id: int, form: str, schema, call, message):
    """A form of the task's page: the organiser's; errors shown on the page with their status."""
    task = _routed_task(task_id)
    identity = _organiser(task.community_id)
    data, errors = console_form(schema)
    status = 422
    if not errors:
        done = attempt(lambda: call(task, data, identity))
        if not done.errors:
            return _done(message(done.result) if callable(message) else message, task_id)
        errors, status = done.errors, done.status
    return _task_page(task_id, errors, status, form)


@pages.route("/tasks/<int:task_id>/edit", methods=["POST"])
def task_edit(task_id):
    return _move(task_id, "edit", TaskPatch(partial=True),
                 lambda task, data, identity: tasks.update(task, data, identity.username), _("The task is changed."))


def _assign(task, data, identity):
    member = db.session.get(Member, data["member_id"])
    if member is None or member.community_id != task.community_id:
        invalid("member_id", N_("Not a member of this community's alliance."))
    return tasks.accept(task, member, identity.username)


@pages.route("/tasks/<int:task_id>/accept", methods=["POST"])
def task_accept(task_id):
    return _move(task_id, "accept", AssignForm(), _assign,
                 lambda task: _("The task is given to %(name)s.", name=db.session.get(Member, task.member_id).name))


@pages.route("/tasks/<int:task_id>/give-up", methods=["POST"])
def task_give_up(task_id):
    return _move(task_id, "give_up", StrictSchema(), lambda task, data, identity: tasks.give_up(task, None),
                 _("The task is offered again."))


def _complete(task, data, identity):
    started = data.get("started_at")
    if started is not None:
        started = started.replace(tzinfo=LOCAL_TZ)
    return tasks.complete(task, round(data["hours"] * 60), data["outcome"], identity.username, started)


def _completed(task) -> str:
    if task.source == "ticket":
        ticket = ticket_summary(task.source_ref)
        if ticket is not None and ticket["status"] != "resolved":
            flash(_("Ticket #%(id)s could not be resolved (it is %(status)s): finish it on the ticket's page.",
                    id=task.source_ref, status=tasks.ticket_status_label(ticket["status"])), "warning")
    return _("The task is done and the hours are recorded.")


@pages.route("/tasks/<int:task_id>/complete", methods=["POST"])
def task_complete(task_id):
    return _move(task_id, "complete", CompleteForm(), _complete, _completed)


@pages.route("/tasks/<int:task_id>/cancel", methods=["POST"])
def task_cancel(task_id):
    return _move(task_id, "cancel", CancelIn(), lambda task, data, identity: tasks.cancel(
        task, data["reason"], identity.username), _("The task is cancelled."))


# --- 交给服务联盟 (from a ticket's page) ------------------------------------------------------------


@pages.route("/tickets/<int:ticket_id>/task", methods=["GET", "POST"])
def ticket_task(ticket_id):
    """The ticket handed to the alliance: a form with the ticket's title; its task once it has one."""
    ticket = ticket_summary(ticket_id)  # the gate found it in the tenant, in a community we read
    if ticket is None:
        abort(404)
    community_id = ticket["community_id"]
    identity = _maker(community_id)
    found = tasks.existing("ticket", ticket_id)
    if found is not None:
        return redirect(url_for(".task_page", task_id=found.id))
    errors, status, values = {}, 200, {"title": (ticket["title"] or "")[:100]}
    if request.method == "POST":
        values = request.form
        data, errors = console_form(TaskIn(), {**form_values(TaskIn()), "source": "ticket", "ticket_id": ticket_id})
        status = 422
        if not errors:
            done = attempt(lambda: tasks.create_task(community_id, data, identity.username))
            if not done.errors:
                return _done(_("Ticket #%(id)s is handed to the alliance as task #%(task)s.", id=ticket_id,
                               task=done.result.id), done.result.id)
            errors, status = done.errors, done.status
    return render_page("volunteers/tasks_ticket.html", community=community(community_id), tab="tasks",
                       ticket=ticket, ticket_status=tasks.ticket_status_label(ticket["status"]),
                       open=ticket["status"] in tasks.TICKET_OPEN, values=values, errors=errors,
                       skills=choices(vocab.SKILLS)), status
