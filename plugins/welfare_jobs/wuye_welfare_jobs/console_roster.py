"""Console pages of posts, workers and placements (the blueprint and helpers are console.py's).

The API's services, schemas and access checks (posts.py, workers.py, placements.py, alerts.py,
roster.py): a refusal comes back from `attempt` with its errors by field and its status, the form
is shown again with them, and everything the call wrote is rolled back. Managers edit; team
leaders read the workers and placements with personal values masked; community staff read the
posts only (403 elsewhere).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    attempt,
    console_form,
    current_identity,
    db,
    local_today,
    paginate,
    plugin_config,
    render_page,
    require_staff,
)

from . import alerts as alert_rules
from . import placements, posts, vocab, workers
from . import schemas_roster as s
from .access import NAME, is_manager, leads, routed
from .console import choices, community, pages, query
from .i18n import _
from .models import Placement, Post, Worker
from .roster import require_roster_reader, sees_people


def _manager(community_id: int) -> bool:
    return is_manager(require_staff(), community_id)


def _require_manager(community_id: int) -> None:
    if not _manager(community_id):
        abort(403)


def _actor() -> str:
    return current_identity().username


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


# --- posts ---------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/posts")
def roster_posts(community_id):
    """岗位: the community's posts, on post today and vacancies."""
    args, problems = query(s.PostQuery())
    page = paginate(posts.list_query(community_id, args), Post, args)
    page["items"] = posts.posts_out(page["items"])
    return render_page("welfare_jobs/roster_posts.html", community=community(community_id), tab="posts", page=page,
                       args=args, problems=problems, kinds=choices(vocab.POST_KINDS),
                       manager=_manager(community_id))


def _post_form(community_id: int, values, errors: dict, status: int = 200, post: Post | None = None):
    return render_page(
        "welfare_jobs/roster_post_form.html", community=community(community_id), tab="posts", post=post,
        values=values, errors=errors, kinds=choices(vocab.POST_KINDS),
        sites=[(site.id, site.name) for site in posts.sites(community_id)],
        employers=list(posts.employers(community_id).items()), leaders=list(posts.leaders(community_id).items()),
    ), status


@pages.route("/communities/<int:community_id>/posts/new", methods=["GET", "POST"])
def roster_new_post(community_id):
    _require_manager(community_id)
    if request.method == "GET":
        return _post_form(community_id, {"shift_start": "07:00", "shift_end": "11:30", "headcount": 1,
                                         "approved_from": local_today().isoformat()}, {})
    data, errors = console_form(s.PostIn())
    status = 422
    if not errors:
        done = attempt(lambda: posts.create_post(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The post is added."), ".roster_post", post_id=done.result.id)
        errors, status = done.errors, done.status
    return _post_form(community_id, request.form, errors, status)


@pages.route("/posts/<int:post_id>")
def roster_post(post_id):
    post = routed(Post, post_id)
    identity = require_staff()
    shown = posts.posts_out([post], people=sees_people(identity, post.community_id))[0]
    return render_page("welfare_jobs/roster_post.html", community=community(post.community_id), tab="posts",
                       post=shown, manager=is_manager(identity, post.community_id), errors={},
                       keeps_attendance=is_manager(identity, post.community_id) or leads(identity, post),
                       today=local_today().isoformat())


@pages.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def roster_edit_post(post_id):
    post = routed(Post, post_id)
    _require_manager(post.community_id)
    if request.method == "GET":
        values = {key: _text(getattr(post, key)) for key in posts.FIELDS}
        return _post_form(post.community_id, values, {}, post=post)
    data, errors = console_form(s.PostIn())
    status = 422
    if not errors:
        done = attempt(lambda: posts.update_post(post, data))
        if not done.errors:
            return _done(_("The post is changed."), ".roster_post", post_id=post_id)
        errors, status = done.errors, done.status
    return _post_form(post.community_id, request.form, errors, status, post=routed(Post, post_id))


@pages.route("/posts/<int:post_id>/close", methods=["POST"])
def roster_close_post(post_id):
    post = routed(Post, post_id)
    _require_manager(post.community_id)
    data, errors = console_form(s.PostClose())
    status = 422
    if not errors:
        done = attempt(lambda: posts.close_post(post, data.get("closed_on")))
        if not done.errors:
            return _done(_("The post is closed."), ".roster_post", post_id=post_id)
        errors, status = done.errors, done.status
    post = routed(Post, post_id)
    shown = posts.posts_out([post], people=True)[0]
    return render_page("welfare_jobs/roster_post.html", community=community(post.community_id), tab="posts",
                       post=shown, manager=True, errors=errors, today=request.form.get("closed_on", "")), status


# --- workers -------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/workers")
def roster_workers(community_id):
    """人员: names, masked ID numbers and phones, the post today and the placement's end."""
    _identity, full = require_roster_reader(community_id)
    args, problems = query(s.WorkerQuery())
    page = paginate(workers.list_query(community_id, args), Worker, args)
    page["items"] = workers.workers_out(page["items"])
    return render_page("welfare_jobs/roster_workers.html", community=community(community_id), tab="workers",
                       page=page, args=args, problems=problems, groups=choices(vocab.GROUPS), manager=full)


def _worker_form(community_id: int, values, errors: dict, status: int = 200, worker: Worker | None = None):
    return render_page("welfare_jobs/roster_worker_form.html", community=community(community_id), tab="workers",
                       worker=worker, values=values, errors=errors, groups=choices(vocab.GROUPS)), status


@pages.route("/communities/<int:community_id>/workers/new", methods=["GET", "POST"])
def roster_new_worker(community_id):
    _require_manager(community_id)
    if request.method == "GET":
        return _worker_form(community_id, {"group": "landless_farmer"}, {})
    data, errors = console_form(s.WorkerIn())
    status = 422
    if not errors:
        done = attempt(lambda: workers.register_worker(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The worker is registered."), ".roster_worker", worker_id=done.result.id)
        errors, status = done.errors, done.status
    return _worker_form(community_id, request.form, errors, status)


def _worker_page(worker: Worker, errors: dict | None = None, status: int = 200):
    _identity, full = require_roster_reader(worker.community_id)
    shown = workers.worker_detail(worker, full=full)
    documents = [workers.document_out(d) for d in workers.documents_of(worker.id)] if full else []
    return render_page("welfare_jobs/roster_worker.html", community=community(worker.community_id), tab="workers",
                       worker=shown, manager=full, documents=documents, errors=errors or {},
                       kinds=choices(s.DOCUMENT_KINDS), states=dict(_state_labels())), status


@pages.route("/workers/<int:worker_id>")
def roster_worker(worker_id):
    """A worker's file: in full for the manager (nothing recorded), masked for team leaders."""
    return _worker_page(routed(Worker, worker_id))


@pages.route("/workers/<int:worker_id>/edit", methods=["GET", "POST"])
def roster_edit_worker(worker_id):
    worker = routed(Worker, worker_id)
    _require_manager(worker.community_id)
    if request.method == "GET":
        values = {key: _text(getattr(worker, key)) for key in workers.FIELDS}
        return _worker_form(worker.community_id, values, {}, worker=worker)
    data, errors = console_form(s.WorkerIn())
    status = 422
    if not errors:
        done = attempt(lambda: workers.update_worker(worker, data))
        if not done.errors:
            return _done(_("The file is changed."), ".roster_worker", worker_id=worker_id)
        errors, status = done.errors, done.status
    return _worker_form(worker.community_id, request.form, errors, status, worker=routed(Worker, worker_id))


@pages.route("/workers/<int:worker_id>/documents", methods=["POST"])
def roster_upload_document(worker_id):
    worker = routed(Worker, worker_id)
    _require_manager(worker.community_id)
    upload = request.files.get("file")
    content = upload.stream.read(workers.MAX_DOCUMENT + 1) if upload else b""
    done = attempt(lambda: workers.add_document(worker, request.form.get("kind") or "evidence",
                                                upload.filename if upload else None, content, _actor()))
    if not done.errors:
        return _done(_("The document is added."), ".roster_worker", worker_id=worker_id, _anchor="documents")
    return _worker_page(routed(Worker, worker_id), done.errors, done.status)


@pages.route("/documents/<int:document_id>")
def roster_document(document_id):
    """A document's file (manager; recorded in the audit trail as an export)."""
    from .routes_roster import download_document

    return download_document(document_id)


# --- placements ----------------------------------------------------------------------------------


def _state_labels():
    return [("current", _("On post")), ("upcoming", _("Not started")), ("term_passed", _("Term passed, no exit")),
            ("exited", _("Left")), ("vacancy_open", _("Vacancy not reported"))]


@pages.route("/communities/<int:community_id>/placements")
def roster_placements(community_id):
    """安置: what needs doing (the alerts) and the placements."""
    _identity, full = require_roster_reader(community_id)
    args, problems = query(s.PlacementQuery())
    page = paginate(placements.list_query(community_id, args), Placement, args)
    page["items"] = placements.placements_out(page["items"])
    config = plugin_config(NAME, community_id)
    return render_page("welfare_jobs/roster_placements.html", community=community(community_id), tab="placements",
                       page=page, args=args, problems=problems, states=_state_labels(),
                       state_names=dict(_state_labels()), alerts=alert_rules.alerts(community_id), config=config,
                       manager=full)


def _place_form(community_id: int, values, errors: dict, status: int = 200):
    today = local_today()
    open_posts = db.session.scalars(select(Post).where(Post.community_id == community_id, Post.active.is_(True))
                                    .order_by(Post.name)).all()
    shown = posts.posts_out(list(open_posts))
    people = db.session.scalars(select(Worker).where(Worker.community_id == community_id,
                                                     Worker.erased_at.is_(None)).order_by(Worker.name)).all()
    return render_page(
        "welfare_jobs/roster_place_form.html", community=community(community_id), tab="placements", values=values,
        errors=errors, posts=[(p["id"], _("%(name)s (%(vacancies)s vacant)", name=p["name"], vacancies=p["vacancies"]))
                              for p in shown],
        workers=[(w.id, w.name) for w in people], today=today.isoformat(),
        months=plugin_config(NAME, community_id)["max_placement_months"],
    ), status


@pages.route("/communities/<int:community_id>/placements/new", methods=["GET", "POST"])
def roster_place(community_id):
    _require_manager(community_id)
    if request.method == "GET":
        values = {"starts_on": local_today().isoformat(), **{k: v for k, v in request.args.items()
                                                            if k in ("post_id", "worker_id")}}
        return _place_form(community_id, values, {})
    data, errors = console_form(s.PlacementIn())
    status = 422
    if not errors:
        done = attempt(lambda: placements.place(community_id, data["worker_id"], data["post_id"], data["starts_on"],
                                                data.get("ends_on"), _actor()))
        if not done.errors:
            return _done(_("The worker is placed."), ".roster_placement", placement_id=done.result.id)
        errors, status = done.errors, done.status
    return _place_form(community_id, request.form, errors, status)


def _placement_page(placement: Placement, errors: dict | None = None, status: int = 200, form: str = ""):
    _identity, full = require_roster_reader(placement.community_id)
    return render_page("welfare_jobs/roster_placement.html", community=community(placement.community_id),
                       tab="placements", p=placements.placements_out([placement])[0], manager=full,
                       errors=errors or {}, form=form, reasons=choices(vocab.EXIT_REASONS),
                       state_names=dict(_state_labels()), values=request.form if status != 200 else {},
                       today=local_today().isoformat()), status


@pages.route("/placements/<int:placement_id>")
def roster_placement(placement_id):
    return _placement_page(routed(Placement, placement_id))


@pages.route("/placements/<int:placement_id>/exit", methods=["POST"])
def roster_exit(placement_id):
    placement = routed(Placement, placement_id)
    _require_manager(placement.community_id)
    data, errors = console_form(s.ExitIn())
    status = 422
    if not errors:
        done = attempt(lambda: placements.exit(placement_id, data["exited_on"], data["exit_reason"],
                                               data.get("note"), _actor()))
        if not done.errors:
            return _done(_("The exit is recorded."), ".roster_placement", placement_id=placement_id)
        errors, status = done.errors, done.status
    return _placement_page(routed(Placement, placement_id), errors, status, form="exit")


@pages.route("/placements/<int:placement_id>/vacancy-report", methods=["POST"])
def roster_vacancy_report(placement_id):
    placement = routed(Placement, placement_id)
    _require_manager(placement.community_id)
    data, errors = console_form(s.VacancyReportIn())
    status = 422
    if not errors:
        done = attempt(lambda: placements.report_vacancy(placement_id, data.get("vacancy_reported_on"),
                                                         data["vacancy_report_ref"], _actor()))
        if not done.errors:
            return _done(_("The vacancy report is recorded."), ".roster_placement", placement_id=placement_id)
        errors, status = done.errors, done.status
    return _placement_page(routed(Placement, placement_id), errors, status, form="vacancy")
