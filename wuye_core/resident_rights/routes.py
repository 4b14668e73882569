"""/api/v1/resident/my-data and /api/v1/resident/deletion-requests (the resident's: a copy of
their data, their deletion requests) and /api/v1/deletion-requests (the tenant admins' queue).

The resident's need no consent to the privacy notice: the rights are theirs whether or not they
agreed (the copy and a deletion request are what someone who does not agree may want most)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..api.access import for_residents, require_tenant_admin
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..resident_access.caller import me_account
from . import erasure
from . import schemas as s
from .download import copy_download, export_throttle
from .models import DeletionRequest, RequestStatus

mine = Blueprint("resident_rights", __name__, url_prefix="/api/v1/resident",
                 description="居民的个人信息权利（查阅复制、删除）/ Residents' rights over their personal information")
staff = Blueprint("deletion_requests", __name__, url_prefix="/api/v1",
                  description="居民的删除请求（租户管理员处理）/ Residents' deletion requests, decided by tenant admins")


@mine.route("/my-data")
@for_residents
@export_throttle
@mine.response(200, s.PersonalDataOut, description="JSON 文件下载 / a JSON file to download")
@mine.alt_response(429, schema=ErrorSchema, description="下载过于频繁 / too many downloads")
def my_data():
    """我的信息：下载平台保存的本人个人信息（JSON 文件）/ Download what is held about me (a JSON file)

    包括登录账号与同意记录、住户台账中的登记（身份证号脱敏）、本人报事和本户工单（含办理过程、附件清单、本人评价）、
    与本人有关的操作记录、删除申请，以及各插件保存的部分。无须先同意个人信息处理规则。每小时限 10 次。/ The account
    and consents, the register's rows (ID number masked), tickets reported by me or of my households (steps,
    attachment list, my ratings), the audit entries about me, my deletion requests, and each plugin's part.
    No consent needed first. Throttled (10 an hour by default)."""
    return copy_download(me_account())


@mine.route("/deletion-requests", endpoint="my_deletion_requests")
@for_residents
class MyRequests(MethodView):
    @mine.arguments(s.MyRequestQuery, location="query")
    @mine.response(200, page_schema(s.MyRequestOut))
    def get(self, args):
        """我的删除申请及处理结果（最新在前）/ My deletion requests and their outcome, newest first"""
        account = me_account()
        return paginate(select(DeletionRequest).where(DeletionRequest.account_id == account.id), DeletionRequest,
                        args)

    @mine.arguments(s.DeletionRequestIn)
    @mine.response(201, s.MyRequestOut)
    @mine.alt_response(409, schema=ErrorSchema, description="已有待处理的申请 / one is waiting already")
    def post(self, data):
        """申请删除我的个人信息 / Ask for my personal information to be deleted

        由物业（租户管理员）处理：批准后本人的登录账号注销，住户台账中的登记移除，本人报事的工单保留但报事人脱敏
        （张*、138****1234）；不予删除时说明理由（如法律要求保留）。结果以短信告知，未删除时也在此可见。同一时间只能有一个
        待处理的申请。/ Decided by the tenant's admins: approved, the sign-in ends, the register's rows go,
        tickets stay with the reporter masked; refused, with a reason. The outcome is sent by text message
        and, unless erased, shown here. One request may wait at a time."""
        return erasure.file_request(me_account(), data.get("reason"))


@staff.route("/deletion-requests", endpoint="deletion_requests")
class Requests(MethodView):
    @staff.arguments(s.RequestQuery, location="query")
    @staff.response(200, page_schema(s.RequestOut))
    @staff.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """居民的删除申请（最新在前，可按状态筛选）/ Residents' deletion requests, newest first"""
        require_tenant_admin()
        query = select(DeletionRequest)
        if args.get("status"):
            query = query.where(DeletionRequest.status == RequestStatus(args["status"]))
        return paginate(query, DeletionRequest, args)


@staff.route("/deletion-requests/<int:request_id>", endpoint="deletion_request")
class RequestItem(MethodView):
    @staff.response(200, s.RequestDetail)
    @staff.alt_response(403, schema=ErrorSchema)
    @staff.alt_response(404, schema=ErrorSchema)
    def get(self, request_id):
        """查看删除申请及批准后将涉及的台账登记和工单 / A request, and what approving it would touch"""
        require_tenant_admin()
        return erasure.detail(erasure.get_request(request_id))


@staff.route("/deletion-requests/<int:request_id>/approve", methods=["POST"], endpoint="deletion_request_approve")
@staff.response(200, s.RequestOut)
@staff.alt_response(403, schema=ErrorSchema)
@staff.alt_response(404, schema=ErrorSchema)
@staff.alt_response(409, schema=ErrorSchema, description="已处理过，或某插件未能删除（什么也没删）/ decided already, "
                                                      "or a plugin could not erase (nothing was erased)")
def approve(request_id):
    """批准：删除或匿名化该居民的个人信息 / Approve: erase or anonymise the resident's personal information

    移除住户台账中该手机号的登记（住户本身保留），本人报事的工单报事人脱敏（工单及其历史保留），各插件删除其部分，
    登录账号注销；全部成功或全部不做。/ The register's rows with the number go (the households stay), the
    tickets they reported keep a masked reporter, each plugin erases its part, the account ends: all or
    nothing."""
    identity = require_tenant_admin()
    return erasure.approve(request_id, identity)


@staff.route("/deletion-requests/<int:request_id>/refuse", methods=["POST"], endpoint="deletion_request_refuse")
@staff.arguments(s.RefuseIn)
@staff.response(200, s.RequestOut)
@staff.alt_response(403, schema=ErrorSchema)
@staff.alt_response(404, schema=ErrorSchema)
@staff.alt_response(409, schema=ErrorSchema, description="已处理过 / decided already")
def refuse(data, request_id):
    """不予删除，并说明理由（居民可见）/ Refuse, with a reason the resident reads"""
    identity = require_tenant_admin()
    return erasure.refuse(request_id, identity, data["reason"])
