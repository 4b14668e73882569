"""/api/v1/disclosures: staff publish, correct and withdraw disclosures and read them with every
version. Reading: whoever reads the community; publishing, correcting, withdrawing: whoever may
write there (community staff, the tenant administrator)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..storage.files import no_other_fields
from . import schemas as s
from . import service
from .access import staff_disclosure, writer, writer_check
from .files import download, store_upload
from .models import Disclosure

blp = Blueprint("disclosures", __name__, url_prefix="/api/v1/disclosures",
                description="公示（物业费收支、公共收益、维修资金使用）/ Public disclosures")


@blp.route("", endpoint="disclosures")
class Disclosures(MethodView):
    @blp.arguments(s.DisclosureQuery, location="query")
    @blp.response(200, page_schema(s.DisclosureOut))
    def get(self, args):
        """公示列表（默认最新在前）/ Disclosures of the communities I read, newest first"""
        identity = require_staff()
        page = paginate(service.staff_query(identity, community_id=args.get("community_id"),
                                            site_id=args.get("site_id"), status=args.get("status"),
                                            kind=args.get("kind")), Disclosure, args)
        page["items"] = service.summaries(page["items"])
        return page

    @blp.arguments(s.DisclosureIn)
    @blp.response(201, s.DisclosureDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    def post(self, data):
        """发布公示（第 1 版）/ Publish a disclosure (version 1)

        附件先上传（`POST /api/v1/disclosures/files`），再在 `file_ids` 里列出。公示期从 `publish_from` 到
        `publish_until`（北京时间，含首尾）；开始日在将来的，到那天才对居民显示。/ Upload the files first, then list
        them in `file_ids`. Residents see it from `publish_from` through `publish_until` (Beijing dates)."""
        identity = require_staff()
        disclosure = service.publish(**data, actor=identity.username, authorize=writer_check(identity))
        return service.staff_view(disclosure)


@blp.route("/files", methods=["POST"], endpoint="disclosure_files")
@blp.arguments(s.DisclosureUploadIn, location="files")
@blp.response(201, s.UploadedOut)
@blp.alt_response(403, schema=ErrorSchema)
def upload(files):
    """上传公示附件（发布或更正时用其 id）/ Upload a file to publish (name its id when publishing)

    类型按文件内容判断：PDF、.xlsx、.docx、JPEG、PNG。未发布的附件只有上传人能用。/ The type is read from the
    content. Until published, only its uploader may attach it."""
    identity = writer()
    no_other_fields()
    return store_upload(files["file"], identity.username)


@blp.route("/<int:disclosure_id>", endpoint="disclosure")
class DisclosureItem(MethodView):
    @blp.response(200, s.DisclosureDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, disclosure_id):
        """查看公示及其全部版本 / A disclosure with every version"""
        return service.staff_view(staff_disclosure(disclosure_id))


@blp.route("/<int:disclosure_id>/versions", methods=["POST"], endpoint="disclosure_correct")
@blp.arguments(s.CorrectionIn)
@blp.response(201, s.DisclosureDetail)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="已撤回 / withdrawn")
def correct(data, disclosure_id):
    """更正公示：发布新版本（旧版本保留）/ Correct a disclosure: publish a new version (the earlier ones are kept)"""
    disclosure = staff_disclosure(disclosure_id, write=True)
    return service.staff_view(service.correct(disclosure, actor=require_staff().username, **data))


@blp.route("/<int:disclosure_id>/withdraw", methods=["POST"], endpoint="disclosure_withdraw")
@blp.arguments(s.DisclosureWithdrawIn)
@blp.response(200, s.DisclosureDetail)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="已撤回或已结束 / withdrawn or ended already")
def withdraw(data, disclosure_id):
    """撤回公示：公示期提前结束 / Withdraw a disclosure: its publication ends now"""
    disclosure = staff_disclosure(disclosure_id, write=True)
    return service.staff_view(service.withdraw(disclosure, data["reason"], require_staff().username))


@blp.route("/<int:disclosure_id>/files/<int:disclosure_file_id>", endpoint="disclosure_file")
@blp.response(200, description="文件内容 / the file")
@blp.alt_response(404, schema=ErrorSchema)
def file(disclosure_id, disclosure_file_id):
    """下载附件（任一版本的）/ Download a file of any of its versions"""
    disclosure = staff_disclosure(disclosure_id)
    return download(service.file_of_disclosure(disclosure, disclosure_file_id, current_only=False))
