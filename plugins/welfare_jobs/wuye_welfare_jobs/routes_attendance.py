"""考勤 / Attendance, the API: a post's team sheet of a day, one worker's day, the worker's own
clock-in on a phone (`/me…`, tenant-wide), the monthly sheet (template and import) and the
month's counts per worker (and their export).

The functions above the routes are shared with the console's pages (console_attendance.py).
"""

from __future__ import annotations

from datetime import date

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from wuye_core.plugins import (
    XLSX_DOC,
    Community,
    ErrorSchema,
    Forbidden,
    XlsxWriter,
    db,
    download_name,
    local_today,
    page_schema,
    paginate,
    plugin_enabled,
    record_audit,
    require_staff,
    xlsx_response,
)

from . import attendance as rules
from . import attendance_sheet as sheet
from . import schemas_attendance as s
from . import tenure, vocab
from .access import (
    NAME,
    TEAM_LEADER,
    WORKER,
    is_manager,
    own_worker,
    require_attendance_keeper,
    require_manager,
    routed,
)
from .i18n import N_, _
from .models import Placement, Post, Worker
from .months import month_bounds

blp = Blueprint("welfare_jobs_attendance", __name__, url_prefix="",
                description="公益岗位 · 考勤 / Public-welfare jobs: attendance")


# --- shared with the console -----------------------------------------------------------------------


def me_worker() -> Worker:
    """The caller's own worker file: 404 without one (or without the worker role there, or where
    the plugin is off in the worker's community — the route is tenant-wide, the gate checked
    the tenant only)."""
    identity = require_staff()
    worker = own_worker(identity)
    if (worker is None or not identity.has_role(WORKER, worker.community_id)
            or not plugin_enabled(NAME, worker.community_id)):
        abort(404)
    return worker


def me_summary(worker: Worker) -> dict:
    """The phone page: today's post and shift, today's record, this month's days (to today)."""
    today = local_today()
    placement = rules.placement_on(worker.id, today)
    post = db.session.get(Post, placement.post_id) if placement is not None else None
    record = rules.rows_of([worker.id], today, today).get((worker.id, today))
    first, _last = month_bounds(today)
    counts = rules.month_counts(worker.community_id, first, today, [worker.id]).get(worker.id, rules.Counts())
    return {
        "worker": {"id": worker.id, "name": worker.name},
        "post": post,
        "today": today,
        "record": record,
        "month": first,
        "counts": counts.as_dict(),
        "can_clock_in": placement is not None and (record is None or record.clock_in_at is None),
        "can_clock_out": record is not None and record.clock_in_at is not None and record.clock_out_at is None,
    }


def led_posts(community_id: int) -> set[int] | None:
    """Which posts' months the caller may read: None for a roster manager (all), else the posts
    of the community they lead; 403 when neither."""
    identity = require_staff()
    if is_manager(identity, community_id):
        return None
    if identity.has_role(TEAM_LEADER, community_id):
        led = set(db.session.scalars(select(Post.id).where(Post.community_id == community_id,
                                                           Post.leader_user_id == identity.user_id)))
        if led:
            return led
    raise Forbidden(N_("Only the roster manager, or a team leader for their posts, may read the month."))


def _on_post(community_id: int, first: date, last: date, post_id: int | None, led: set[int] | None):
    stmt = select(Placement.worker_id).where(Placement.community_id == community_id,
                                             tenure.overlapping(first, last))
    if post_id is not None:
        stmt = stmt.where(Placement.post_id == post_id)
    if led is not None:
        stmt = stmt.where(Placement.post_id.in_(led))
    return stmt


def _posts_of(worker_ids, first: date, last: date) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not worker_ids:
        return out
    rows = db.session.execute(
        select(Placement.worker_id, Post.name).join(Post, Post.id == Placement.post_id)
        .where(Placement.worker_id.in_(list(worker_ids)), tenure.overlapping(first, last))
        .order_by(Placement.starts_on, Placement.id))
    for worker_id, name in rows:
        if name not in out.setdefault(worker_id, []):
            out[worker_id].append(name)
    return out


def _month_items(community_id: int, workers: list[Worker], month: date) -> list[dict]:
    first, last = month_bounds(month)
    until = min(last, local_today())  # the days to come are not "unrecorded" yet
    ids = [w.id for w in workers]
    counts = rules.month_counts(community_id, first, until, ids) if first <= until else {}
    posts = _posts_of(ids, first, last)
    return [{"worker_id": w.id, "name": w.name, "posts": posts.get(w.id, []),
             **counts.get(w.id, rules.Counts()).as_dict()} for w in workers]


def month_page(community_id: int, args: dict) -> dict:
    """One page of the month's counts per worker on post (filter: a post)."""
    led = led_posts(community_id)
    first, last = month_bounds(args["month"])
    stmt = select(Worker).where(Worker.community_id == community_id, Worker.erased_at.is_(None),
                                Worker.id.in_(_on_post(community_id, first, last, args.get("post_id"), led)))
    page = paginate(stmt, Worker, args)
    page["items"] = _month_items(community_id, list(page["items"]), args["month"])
    return page


def month_download(community_id: int, month: date, post_id: int | None = None):
    """The month's counts per worker as .xlsx (names and absences: personal data, audited)."""
    led = led_posts(community_id)
    first, last = month_bounds(month)
    workers = list(db.session.scalars(
        select(Worker).where(Worker.community_id == community_id, Worker.erased_at.is_(None),
                             Worker.id.in_(_on_post(community_id, first, last, post_id, led)))
        .order_by(Worker.name, Worker.id)))
    items = _month_items(community_id, workers, month)
    book = XlsxWriter()
    kinds = list(vocab.LEAVE_KINDS)
    header = [_("No."), _("Name"), _("Post"), _("Days on post"), _("Present"),
              *[vocab.label(vocab.LEAVE_KINDS, k) for k in kinds], _("Absent"), _("Rest day"), _("Unrecorded")]
    out = book.sheet(_("Attendance %(month)s", month=first.strftime("%Y-%m")), header=header,
                     widths=[5, 10, 18, 8, 7, *([7] * len(kinds)), 7, 7, 8], freeze="C2", wrap=[3])
    for number, item in enumerate(items, 1):
        out.append([number, item["name"], "、".join(item["posts"]), item["days_on_post"], item["present"],
                    *[item["leave"][k] for k in kinds], item["absent"], item["rest"], item["unrecorded"]])
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "attendance-month.xlsx", "month": first.strftime("%Y-%m")})
    name = db.session.get(Community, community_id).name
    return xlsx_response(book.save,
                         download_name("attendance", community_id, first.strftime("%Y-%m"), ext="xlsx"),
                         download_name(_("Monthly attendance"), name, first.strftime("%Y-%m"), ext="xlsx"))


def worker_keeper(worker: Worker, day: date):
    """Who may record a worker's day: the keeper of the post they are on that day; with no
    placement that day, the roster manager (who then hears why the day cannot be recorded)."""
    placement = rules.placement_on(worker.id, day)
    if placement is not None:
        return require_attendance_keeper(db.session.get(Post, placement.post_id))
    return require_manager(worker.community_id)


def team_sheet_out(post: Post, day: date) -> dict:
    return {"post": post, "day": day,
            "members": [{"worker_id": e["worker"].id, "name": e["worker"].name, "record": e["record"]}
                      for e in rules.team_sheet(post, day)]}


# --- routes --------------------------------------------------------------------------------------------


@blp.route("/posts/<int:post_id>/attendance")
class TeamSheet(MethodView):
    @blp.arguments(s.AttendanceDayArgs, location="query")
    @blp.response(200, s.AttendanceTeamSheetOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, post_id):
        """岗位某日的考勤表（组长每日点名）/ The post's team sheet of a day"""
        post = routed(Post, post_id)
        require_attendance_keeper(post)
        return team_sheet_out(post, args["day"])

    @blp.arguments(s.AttendanceDayArgs, location="query")
    @blp.arguments(s.AttendanceTeamSheetIn)
    @blp.response(200, s.AttendanceSavedOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def put(self, args, data, post_id):
        """一次保存全组某日的考勤（全部成功或全部不存，按人列出错误；今天到岗而未打卡的，由组长代为打卡）/
        Save the team's day at once: all or nothing, errors per entry; present today without a clock-in: clocked in now"""
        post = routed(Post, post_id)
        identity = require_attendance_keeper(post)
        return rules.save_team_sheet(post, args["day"], data["entries"], identity.username)


@blp.route("/workers/<int:worker_id>/attendance")
class WorkerDay(MethodView):
    @blp.arguments(s.AttendanceDayArgs, location="query")
    @blp.arguments(s.AttendanceDayIn)
    @blp.response(200, s.AttendanceOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def put(self, args, data, worker_id):
        """登记或更正某人某日的考勤（更正记入审计）/ Record or correct one worker's day (a correction is audited)"""
        worker = routed(Worker, worker_id)
        identity = worker_keeper(worker, args["day"])
        row, _outcome = rules.record_day(worker, args["day"], status=data["status"], leave_kind=data["leave_kind"],
                                         note=data["note"], actor=identity.username)
        return row


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, s.AttendanceMeOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self):
        """本人（公益岗人员）：今天的岗位和班次、今天的考勤、本月天数 / The worker's own day and month"""
        return me_summary(me_worker())


@blp.route("/me/clock-in")
class ClockIn(MethodView):
    @blp.response(201, s.AttendanceOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self):
        """上班打卡（时间按 UTC 保存；重复打卡 409 并给出第一次的时间）/ Clock in now"""
        worker = me_worker()
        return rules.clock_in(worker, require_staff().username)


@blp.route("/me/clock-out")
class ClockOut(MethodView):
    @blp.response(200, s.AttendanceOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self):
        """下班打卡（须先上班打卡）/ Clock out now"""
        worker = me_worker()
        return rules.clock_out(worker, require_staff().username)


@blp.route("/communities/<int:community_id>/attendance")
class MonthList(MethodView):
    @blp.arguments(s.AttendanceMonthQuery, location="query")
    @blp.response(200, page_schema(s.AttendanceMonthOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """每人的月度考勤：出勤、按假别请假、缺勤、休息、在岗未登记天数（组长只看自己的岗位）/
        The month per worker (a team leader: their posts only)"""
        return month_page(community_id, args)


@blp.route("/communities/<int:community_id>/attendance.xlsx")
class MonthXlsx(MethodView):
    @blp.arguments(s.AttendanceExportArgs, location="query")
    @blp.response(200, description="月度考勤汇总 / the month per worker (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出月度考勤汇总（记入审计）/ Export the month per worker (audited)"""
        return month_download(community_id, args["month"], args.get("post_id"))


@blp.route("/communities/<int:community_id>/attendance/template.xlsx")
class Template(MethodView):
    @blp.arguments(s.AttendanceMonthArgs, location="query")
    @blp.response(200, description="月度考勤表模板 / the month's sheet to fill in (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """下载月度考勤表（每人一行，每天一列，已登记的已填好；管理员）/ The month's sheet (manager)"""
        require_manager(community_id)
        return sheet.template_download(community_id, args["month"])


@blp.route("/communities/<int:community_id>/attendance/import")
class Import(MethodView):
    @blp.arguments(s.AttendanceMonthArgs, location="query")
    @blp.arguments(s.AttendanceImportIn, location="files")
    @blp.response(200, s.AttendanceSavedOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, args, files, community_id):
        """导入填好的月度考勤表：按姓名和身份证后四位对应，全部成功或全部不存（按行列出错误）；管理员 /
        Import the filled-in sheet: all or nothing, errors by row and column (manager)"""
        identity = require_manager(community_id)
        data = files["file"].stream.read(sheet.MAX_BYTES + 1)
        return sheet.import_sheet(community_id, args["month"], data, identity.username)
