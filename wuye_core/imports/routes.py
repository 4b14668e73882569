"""HTTP endpoints of imports.

    GET  /api/v1/communities/<id>/imports/households/template.xlsx   the template (readers)
    POST /api/v1/communities/<id>/imports/households                 upload → 202 + an import job (writers)
    GET  /api/v1/communities/<id>/imports                            the community's imports (readers)
    GET  /api/v1/communities/<id>/imports/<import_id>                one import: progress, counts, errors

The upload is checked (size, content sniffed as a ZIP, opened as a workbook, its unpacked size
and the rows its first sheet declares against the import caps) before it is stored; a community
has at most `import_max_pending_per_community` imports queued or running (409) and a user starts
at most `job_limit_per_user` of them per window (429, api/throttle.py). The rows are read by the
job (imports/tasks.py), which reports per-row errors and stops past `import_max_rows`. The
checks and the start live in imports/service.py (the console starts imports too).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api.pagination import page_schema, paginate
from ..common.spreadsheets import XLSX_DOC
from ..errors import ErrorSchema
from . import schemas as s
from .models import ImportJob
from .service import (
    community_import,
    household_template,
    import_community,
    imports_statement,
    start_household_import,
)

blp = Blueprint("imports", __name__, url_prefix="/api/v1/communities",
                description="台账导入 / Ledger imports (Excel)")


@blp.route("/<int:community_id>/imports/households/template.xlsx", endpoint="household_import_template")
class HouseholdTemplate(MethodView):
    @blp.response(200, description="住户台账模板 / the ledger template", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """下载住户台账模板（Excel）/ Download the household ledger template (.xlsx)"""
        return household_template(import_community(community_id))


@blp.route("/<int:community_id>/imports/households", endpoint="household_imports")
class HouseholdImports(MethodView):
    @blp.arguments(s.LedgerUploadIn, location="files")
    @blp.response(202, s.ImportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="该社区已有导入在排队或进行 / imports already pending")
    @blp.alt_response(413, schema=ErrorSchema, description="文件解压后过大或行数过多 / too large or too many rows")
    @blp.alt_response(429, schema=ErrorSchema, description="导入次数过多 / too many imports started")
    def post(self, files, community_id):
        """导入住户台账（后台任务）/ Import a household ledger (.xlsx) as a background job"""
        return start_household_import(import_community(community_id, write=True), files["file"])


@blp.route("/<int:community_id>/imports", endpoint="community_imports")
class CommunityImports(MethodView):
    @blp.arguments(s.ImportQuery, location="query")
    @blp.response(200, page_schema(s.ImportOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的导入记录（默认最新在前）/ A community's imports, newest first"""
        community = import_community(community_id)
        return paginate(imports_statement(community), ImportJob, args)


@blp.route("/<int:community_id>/imports/<int:import_id>", endpoint="community_import")
class CommunityImport(MethodView):
    @blp.response(200, s.ImportOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id, import_id):
        """导入进度与结果 / An import's progress, counts and row errors"""
        return community_import(community_id, import_id)
