"""/api/v1/notices/… (staff: publish, withdraw, the figures, the households that have not read)
and /api/v1/resident/notices/… (a signed-in resident who agreed to the privacy notice: the
notices in force for their households, opening one)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api.access import for_residents, require_staff
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..households.models import Household
from ..resident_access.caller import consented_account
from ..resident_access.households import my_households
from . import schemas as s
from . import service
from .models import Notice
from .views import notice_view, notice_views

blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices", description="公告 / Notices to residents")
residents = Blueprint("resident_notices", __name__, url_prefix="/api/v1/resident/notices",
                      description="居民：公告 / Residents: notices")


@blp.route("", endpoint="notices")
class Notices(MethodView):
    @blp.arguments(s.NoticeQuery, location="query")
    @blp.response(200, page_schema(s.NoticeSchema))
    def get(self, args):
        """公告（最新在前），附阅读情况 / Notices, newest first, with how many households read each"""
        identity = require_staff()
        page = paginate(service.notices_query(identity, args["community_id"], args["state"], args["kind"]),
                        Notice, args)
        page["items"] = notice_views(page["items"])
        return page

    @blp.arguments(s.NoticeIn)
    @blp.response(201, s.NoticeSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="被更正的公告已撤回 / the corrected notice is withdrawn")
    def post(self, data):
        """发布公告 / Publish a notice

        发给全社区、一个小区、一栋楼或指定住户；紧急公告（停水、停电、极端天气…）提交后同时以短信发给范围内住户
        登记的每个手机号（每号一次，发送情况见 `texts`）。已发布的公告不能修改：更正请发布新公告并填
        `replaces_id`（原公告随之撤回）。/ To a community, a site, a building or chosen households; an
        urgent one is also texted to every phone of the audience, once each (see `texts`). A
        published notice is never edited: publish a correction with `replaces_id`."""
        return notice_view(service.publish(data, require_staff()))


@blp.route("/<int:notice_id>", endpoint="notice")
class NoticeItem(MethodView):
    @blp.response(200, s.NoticeSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, notice_id):
        """公告及其阅读、短信情况 / A notice, its readers' figures and its texts"""
        return notice_view(service.readable_notice(notice_id, require_staff()))


@blp.route("/<int:notice_id>/withdraw", methods=["POST"], endpoint="notice_withdraw")
@blp.arguments(s.NoticeWithdrawIn)
@blp.response(200, s.NoticeSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="已撤回 / withdrawn already")
def withdraw(data, notice_id):
    """撤回公告（居民不再看到，记录保留）/ Withdraw a notice (residents no longer see it; it is kept)"""
    return notice_view(service.withdraw(notice_id, require_staff(), data.get("reason")))


@blp.route("/<int:notice_id>/households", endpoint="notice_households")
class NoticeHouseholds(MethodView):
    @blp.arguments(s.HouseholdQuery, location="query")
    @blp.response(200, page_schema(s.NoticeHouseholdOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, notice_id):
        """范围内的住户及是否已读；`read=false` 为未读住户（网格员上门告知）/ The audience's households,
        read or not; `read=false`: those to visit"""
        notice = service.readable_notice(notice_id, require_staff())
        page = paginate(service.households_query(notice, args["read"]), Household, args)
        page["items"] = [{"id": h.id, "site_name": site, "building_name": building, "entrance": entrance,
                          "room": room, "read_at": read_at}
                         for h, site, building, entrance, room, read_at in page["items"]]
        return page


# --- residents -------------------------------------------------------------------------------------


@residents.route("", endpoint="resident_notices")
@for_residents
class ResidentNotices(MethodView):
    @residents.arguments(s.ResidentNoticeQuery, location="query")
    @residents.response(200, page_schema(s.ResidentNoticeOut))
    @residents.alt_response(403, schema=ErrorSchema, description="须先同意个人信息处理规则 / agree to the notice first")
    def get(self, args):
        """我的住户的生效公告（紧急在前，最新在前）/ The notices in force for my households, urgent first"""
        account = consented_account()
        households = my_households(account.phone)
        page = paginate(service.resident_query(households), Notice, args,
                        columns={"urgency": service.URGENT_FIRST})
        page["items"] = service.resident_views(account, households, page["items"])
        return page


@residents.route("/<int:notice_id>", endpoint="resident_notice")
@for_residents
class ResidentNotice(MethodView):
    @residents.response(200, s.ResidentNoticeOut)
    @residents.alt_response(403, schema=ErrorSchema)
    @residents.alt_response(404, schema=ErrorSchema)
    def get(self, notice_id):
        """打开公告（记为已读）/ Open a notice (recorded as read by my households it is for)"""
        account = consented_account()
        return service.open_for_resident(account, my_households(account.phone), notice_id)



