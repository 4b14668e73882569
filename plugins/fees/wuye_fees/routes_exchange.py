"""The API of the ledger's import and the exports (exchange area), under /api/v1/plugins/fees; the
fee manager's (a cashier and anyone else: 403; another tenant's community: 404).

- `GET  /communities/<id>/ledger-template.xlsx`   the ledger template (ledger_import.py)
- `POST /communities/<id>/ledger-imports`         import a filled-in ledger: all rows or none (201, or
  422 with every row error as 第 N 行“列名”：原因)
- `GET  /communities/<id>/ledger-imports`         the community's imports, newest first
- `GET  /ledger-imports/<import_id>`              one import and what it made
- `GET  /communities/<id>/bills.xlsx`             bills of a period (filters), audited (exports.py)
- `GET  /communities/<id>/payments.xlsx`          the payments journal of a date range, audited
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from wuye_core.plugins import (
    XLSX_DOC,
    Count,
    ErrorSchema,
    PageArgs,
    StrictSchema,
    page_schema,
    paginate,
    staff_names,
)

from . import exports, ledger_import
from .access import require_manager, routed
from .models import LedgerImport

blp = Blueprint("fees_exchange", __name__,
                description="物业费 · 台账导入与导出 / Property fees: the ledger's import, exports of bills and payments")


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


class LedgerImportIn(StrictSchema):
    file = Upload(required=True, metadata=_d("填好的收费台账模板 .xlsx，≤ 10 MiB、≤ 20000 行",
                                             "the filled-in ledger template, .xlsx, at most 10 MiB and 20,000 rows"))


class LedgerImportMade(Schema):
    units_created = Count(metadata=_d("新建的收费单元", "fee units created"))
    units_updated = Count(metadata=_d("更新了面积、缴费人等的收费单元", "fee units updated (area, payer…)"))
    units_unchanged = Count(metadata=_d("没有变化的收费单元", "fee units unchanged"))
    bills = Count(metadata=_d("导入的期初欠费账单", "opening arrears bills made"))
    arrears_fen = fields.Integer(metadata=_d("期初欠费合计（分）", "opening arrears in total, fen"))
    credits = Count(metadata=_d("记入的预交余额笔数", "prepaid balances recorded"))
    credit_fen = fields.Integer(metadata=_d("预交余额合计（分）", "prepaid balances in total, fen"))
    already_imported = Count(metadata=_d("欠费或余额已导入过的行（不重复记）", "rows whose arrears or balance were "
                                                                       "imported before (not made twice)"))
    already_imported_rows = fields.List(fields.Integer(), metadata=_d("这些行的行号（前 200 个）",
                                                                      "their row numbers (the first 200)"))


class LedgerImportOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    filename = fields.String(metadata=_d("上传的文件名", "the uploaded file's name"))
    rows = Count(metadata=_d("表中的数据行", "data rows in the sheet"))
    made = fields.Nested(LedgerImportMade)
    imported_by = fields.String(metadata=_d("导入人（用户名）", "who imported it (username)"))
    imported_by_name = fields.String(metadata=_d("导入人姓名", "who imported it (name)"))
    imported_at = fields.DateTime()


class LedgerImportQuery(PageArgs):
    pass


def _out(records: list[LedgerImport]) -> list[dict]:
    names = staff_names(sorted({r.imported_by for r in records}))
    return [{"id": r.id, "community_id": r.community_id, "filename": r.filename, "rows": r.rows, "made": r.made or {},
             "imported_by": r.imported_by, "imported_by_name": names.get(r.imported_by, r.imported_by),
             "imported_at": r.imported_at} for r in records]


@blp.route("/communities/<int:community_id>/ledger-template.xlsx")
class LedgerTemplate(MethodView):
    @blp.response(200, description="收费台账导入模板 / the ledger template (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """下载收费台账导入模板（收费主管）/ The ledger import template (fee manager)"""
        require_manager(community_id)
        return ledger_import.template_download(community_id)


@blp.route("/communities/<int:community_id>/ledger-imports")
class LedgerImports(MethodView):
    @blp.arguments(LedgerImportQuery, location="query")
    @blp.response(200, page_schema(LedgerImportOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """本社区的台账导入记录，最新在前（收费主管）/ The community's ledger imports, newest first (fee manager)"""
        require_manager(community_id)
        page = paginate(ledger_import.imports_query(community_id), LedgerImport, args)
        page["items"] = _out(page["items"])
        return page

    @blp.arguments(LedgerImportIn, location="files")
    @blp.response(201, LedgerImportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, files, community_id):
        """导入原收费台账：收费单元及面积、缴费人、期初欠费（一张导入账单）、预交余额；全部成功或全部不存（按行、列
        列出错误）；重复导入不会重复记账（收费主管，记入审计）/ Import an existing fee ledger: fee units with their
        areas and payers, opening arrears (one imported bill), prepaid balances; all or nothing, errors by row and
        column; importing again makes nothing twice (fee manager; audited)"""
        identity = require_manager(community_id)
        upload = files["file"]
        data = upload.stream.read(ledger_import.MAX_BYTES + 1)
        record = ledger_import.import_ledger(community_id, data, upload.filename or "", identity.username)
        return _out([record])[0]


@blp.route("/ledger-imports/<int:import_id>")
class OneLedgerImport(MethodView):
    @blp.response(200, LedgerImportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, import_id):
        """一次台账导入及其结果（收费主管）/ One ledger import and what it made (fee manager)"""
        record = routed(LedgerImport, import_id)
        require_manager(record.community_id)
        return _out([record])[0]


@blp.route("/communities/<int:community_id>/bills.xlsx")
class BillsXlsx(MethodView):
    @blp.arguments(exports.BillExportArgs, location="query")
    @blp.response(200, description="物业费账单 / bills (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出账单（账期或起止日、状态、小区、类型；含合计行；收费主管，记入审计）/ Export bills (period or days,
        status, site, kind; a totals row; fee manager; audited)"""
        require_manager(community_id)
        return exports.bills_export(community_id, args)


@blp.route("/communities/<int:community_id>/payments.xlsx")
class PaymentsXlsx(MethodView):
    @blp.arguments(exports.PaymentExportArgs, location="query")
    @blp.response(200, description="收款日记账 / the payments journal (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出收款日记账（起止日，默认本月；收款、退款、冲正；含合计；收费主管，记入审计）/ Export the payments
        journal (days, this month by default; payments, refunds, reversals; totals; fee manager; audited)"""
        require_manager(community_id)
        return exports.payments_export(community_id, args)
