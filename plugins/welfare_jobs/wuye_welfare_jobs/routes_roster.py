"""API of posts, workers and placements (失地农民公益岗位 · 花名册), under /api/v1/plugins/welfare_jobs.

Reads: posts by anyone who reads the community; workers, placements and alerts by the roster
manager (in full) and the community's team leaders (personal values masked or left out; no
documents); anyone else 403. Writes: the roster manager only.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from wuye_core.plugins import (
    ErrorSchema,
    current_identity,
    download_name,
    download_response,
    page_schema,
    paginate,
    record_audit,
    require_staff,
)

from . import alerts as alert_rules
from . import placements, posts, workers
from . import schemas_roster as s
from .access import NAME, require_manager, routed
from .models import Placement, Post, Worker, WorkerDocument
from .roster import require_roster_reader, sees_people

blp = Blueprint("welfare_jobs_roster", __name__, description="失地农民公益岗位 · 岗位、人员、安置 / "
                "Public-welfare jobs: posts, workers, placements")


def _actor() -> str:
    return current_identity().username


# --- posts ---------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/posts")
class Posts(MethodView):
    @blp.arguments(s.PostQuery, location="query")
    @blp.response(200, page_schema(s.PostOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """岗位列表：在岗人数、空岗数 / The community's posts, with people on post today and vacancies"""
        require_staff()
        page = paginate(posts.list_query(community_id, args), Post, args)
        page["items"] = posts.posts_out(page["items"])
        return page

    @blp.arguments(s.PostIn)
    @blp.response(201, s.PostOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """新增岗位（管理员）/ Add a post (roster manager)"""
        require_manager(community_id)
        post = posts.create_post(community_id, data, _actor())
        return posts.posts_out([post], people=True)[0]


@blp.route("/posts/<int:post_id>")
class OnePost(MethodView):
    @blp.response(200, s.PostOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, post_id):
        """岗位详情（管理员和组长可见在岗人员）/ A post (who is on it: manager and team leaders)"""
        post = routed(Post, post_id)
        return posts.posts_out([post], people=sees_people(require_staff(), post.community_id))[0]

    @blp.arguments(s.PostPatch(partial=True))
    @blp.response(200, s.PostOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, post_id):
        """修改岗位（管理员）/ Change a post (roster manager)"""
        post = routed(Post, post_id)
        require_manager(post.community_id)
        post = posts.update_post(post, data)
        return posts.posts_out([post], people=True)[0]


@blp.route("/posts/<int:post_id>/close")
class ClosePost(MethodView):
    @blp.arguments(s.PostClose)
    @blp.response(200, s.PostOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, post_id):
        """撤岗（有人在岗时 409）/ Close a post (409 while people are on it)"""
        post = routed(Post, post_id)
        require_manager(post.community_id)
        post = posts.close_post(post, data.get("closed_on"))
        return posts.posts_out([post], people=True)[0]


# --- workers -------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/workers")
class Workers(MethodView):
    @blp.arguments(s.WorkerQuery, location="query")
    @blp.response(200, page_schema(s.WorkerListOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """人员列表（身份证号、电话脱敏）/ The workers, ID number and phone masked"""
        require_roster_reader(community_id)
        page = paginate(workers.list_query(community_id, args), Worker, args)
        page["items"] = workers.workers_out(page["items"])
        return page

    @blp.arguments(s.WorkerIn)
    @blp.response(201, s.WorkerOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记人员（管理员；身份证号在租户内唯一）/ Register a worker (roster manager; one file per ID number)"""
        require_manager(community_id)
        worker = workers.register_worker(community_id, data, _actor())
        return workers.worker_detail(worker, full=True)


@blp.route("/workers/<int:worker_id>")
class OneWorker(MethodView):
    @blp.response(200, s.WorkerOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, worker_id):
        """人员档案：管理员完整；组长只见脱敏信息 / A worker's file: in full for the manager, masked for team leaders"""
        worker = routed(Worker, worker_id)
        _identity, full = require_roster_reader(worker.community_id)
        return workers.worker_detail(worker, full=full)

    @blp.arguments(s.WorkerPatch(partial=True))
    @blp.response(200, s.WorkerOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, worker_id):
        """修改人员档案（管理员）/ Change a worker's file (roster manager)"""
        worker = routed(Worker, worker_id)
        require_manager(worker.community_id)
        worker = workers.update_worker(worker, data)
        return workers.worker_detail(worker, full=True)


@blp.route("/workers/<int:worker_id>/documents")
class Documents(MethodView):
    @blp.response(200, s.DocumentOut(many=True))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, worker_id):
        """档案材料列表（管理员）/ The documents in a worker's file (roster manager)"""
        worker = routed(Worker, worker_id)
        require_manager(worker.community_id)
        return [workers.document_out(d) for d in workers.documents_of(worker.id)]

    @blp.arguments(s.DocumentForm, location="form")
    @blp.arguments(s.DocumentFile, location="files")
    @blp.response(201, s.DocumentOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, form, files, worker_id):
        """上传档案材料（PDF、JPEG、PNG，≤5 MiB，按内容判断）/ Upload a document (PDF, JPEG, PNG ≤ 5 MiB)"""
        worker = routed(Worker, worker_id)
        require_manager(worker.community_id)
        upload = files["file"]
        content = upload.stream.read(workers.MAX_DOCUMENT + 1)
        document = workers.add_document(worker, form["kind"], upload.filename, content, _actor())
        return workers.document_out(document)


@blp.route("/documents/<int:document_id>")
class Document(MethodView):
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, document_id):
        """下载档案材料（管理员；记入审计）/ Download a document (roster manager; audited)"""
        return download_document(document_id)


def download_document(document_id: int):
    """The document's file, recorded as an export of personal data (the API's and the console's)."""
    import base64

    document = routed(WorkerDocument, document_id)
    require_manager(document.community_id)
    record_audit(NAME, "exported", target_type="worker_document", target_id=document.id,
                 details={"worker_id": document.worker_id, "kind": document.kind})
    ext = document.content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return download_response(base64.b64decode(document.data),
                             download_name("worker-document", document.worker_id, document.id, ext=ext),
                             document.filename, document.content_type)


# --- placements ----------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/placements")
class Placements(MethodView):
    @blp.arguments(s.PlacementQuery, location="query")
    @blp.response(200, page_schema(s.PlacementOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """安置列表 / The placements"""
        require_roster_reader(community_id)
        page = paginate(placements.list_query(community_id, args), Placement, args)
        page["items"] = placements.placements_out(page["items"])
        return page

    @blp.arguments(s.PlacementIn)
    @blp.response(201, s.PlacementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """安置上岗（管理员）/ Place a worker on a post (roster manager)"""
        require_manager(community_id)
        placement = placements.place(community_id, data["worker_id"], data["post_id"], data["starts_on"],
                                     data.get("ends_on"), _actor())
        return placements.placements_out([placement])[0]


@blp.route("/placements/<int:placement_id>")
class OnePlacement(MethodView):
    @blp.response(200, s.PlacementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, placement_id):
        """一次安置 / A placement"""
        placement = routed(Placement, placement_id)
        require_roster_reader(placement.community_id)
        return placements.placements_out([placement])[0]


@blp.route("/placements/<int:placement_id>/exit")
class Exit(MethodView):
    @blp.arguments(s.ExitIn)
    @blp.response(200, s.PlacementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, placement_id):
        """离岗（管理员）：空岗报告期限随之开始 / Record the exit (roster manager): the vacancy report is then due"""
        placement = routed(Placement, placement_id)
        require_manager(placement.community_id)
        placement = placements.exit(placement.id, data["exited_on"], data["exit_reason"], data.get("note"), _actor())
        return placements.placements_out([placement])[0]


@blp.route("/placements/<int:placement_id>/vacancy-report")
class VacancyReport(MethodView):
    @blp.arguments(s.VacancyReportIn)
    @blp.response(200, s.PlacementOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, placement_id):
        """空岗报告（管理员）/ Record the vacancy report (roster manager)"""
        placement = routed(Placement, placement_id)
        require_manager(placement.community_id)
        placement = placements.report_vacancy(placement.id, data.get("vacancy_reported_on"),
                                              data["vacancy_report_ref"], _actor())
        return placements.placements_out([placement])[0]


@blp.route("/communities/<int:community_id>/alerts")
class Alerts(MethodView):
    @blp.response(200, s.AlertsOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """提醒：安置期满、达到退休年龄、空岗报告待报和逾期 / Alerts: ending placements, retirement ages,
        vacancy reports due and overdue"""
        require_roster_reader(community_id)
        return alert_rules.alerts(community_id)
