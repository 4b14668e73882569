"""/api/v1/resident/disclosures: a signed-in resident (who agreed to the privacy notice) reads the
disclosures in their publication period for their households' communities and sites, and
downloads their files. Anything else — another site's, another tenant's, not started, ended,
withdrawn, an earlier version's file — is 404, as if it did not exist."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..api.access import for_residents
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..resident_access.caller import consented_households
from . import schemas as s
from . import service
from .files import download
from .models import Disclosure

blp = Blueprint("resident_disclosures", __name__, url_prefix="/api/v1/resident/disclosures",
                description="居民：公示 / Residents: public disclosures")


@blp.route("", endpoint="resident_disclosures")
@for_residents
class ResidentDisclosures(MethodView):
    @blp.arguments(s.ResidentQuery, location="query")
    @blp.response(200, page_schema(s.ResidentDisclosureOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """公示中的公示（本人住户所在社区、小区的）/ Disclosures in publication for my households"""
        households = consented_households()
        page = paginate(select(Disclosure).where(service.resident_clause(households), service.status_clause("current")),
                        Disclosure, args)
        page["items"] = [service.resident_view(d, with_summary=False) for d in page["items"]]
        return page


@blp.route("/<int:disclosure_id>", endpoint="resident_disclosure")
@for_residents
class ResidentDisclosure(MethodView):
    @blp.response(200, s.ResidentDisclosureDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, disclosure_id):
        """查看一条公示（当前版本，及更正记录）/ A disclosure: its current version, and its corrections"""
        return service.resident_view(service.resident_disclosure(consented_households(), disclosure_id))


@blp.route("/<int:disclosure_id>/files/<int:disclosure_file_id>", endpoint="resident_disclosure_file")
@for_residents
class ResidentDisclosureFile(MethodView):
    @blp.response(200, description="文件内容 / the file")
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, disclosure_id, disclosure_file_id):
        """下载公示附件（当前版本的）/ Download a file of the current version"""
        disclosure = service.resident_disclosure(consented_households(), disclosure_id)
        return download(service.file_of_disclosure(disclosure, disclosure_file_id, current_only=True))
