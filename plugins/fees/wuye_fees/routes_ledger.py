"""The API of other income, spending, the gap and the quarterly statements (ledger area), under
/api/v1/plugins/fees:

    GET   /communities/<id>/entries                  entries (period from/to, site_id (0: the community as a
                                                     whole), direction, category, cancelled) and their totals
    POST  /communities/<id>/entries                  record an entry (manager)
    GET   /entries/<entry_id>                        one entry
    PATCH /entries/<entry_id>                        correct it (manager; audited; 409 once a published
                                                     statement counted it)
    POST  /entries/<entry_id>/cancel                 cancel it with a reason (manager; kept, not counted)
    GET   /communities/<id>/gap                      fee income against cost and how the gap was covered
                                                     (from/to, or year with quarter or month; site_id)
    GET   /communities/<id>/statements               the quarterly statements
    POST  /communities/<id>/statements               draft one {year, quarter, site_id} (manager)
    GET   /statements/<statement_id>                 one statement with its versions
    POST  /statements/<statement_id>/publish         publish the draft to residents (manager)
    POST  /statements/<statement_id>/correct         correct a published one {reason} (manager)
    GET   /statements/<statement_id>/statement.xlsx  a version's files (?version=, default the current one)
    GET   /statements/<statement_id>/statement.docx

Who: entries are read by the community's cashiers and fee manager; the gap and the statements
(sums, no names) by anyone who reads the community; every change is the fee manager's. Money is
integer fen (`*_fen`); rates are fractions 0–1.
"""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from wuye_core.plugins import (
    XLSX_DOC,
    ErrorSchema,
    Id,
    PageArgs,
    PeriodArgs,
    Rate,
    Sort,
    StrictSchema,
    Text,
    current_identity,
    page_schema,
    paginate,
    require_staff,
)

from . import entries, gap, statements, vocab
from .access import require_cashier, require_manager, routed
from .models import Entry, Statement
from .statement_files import DOCX

blp = Blueprint("fees_ledger", __name__, description="物业费 · 其他收支与季度公示 / Property fees: other income, "
                                                     "spending and the quarterly statements")

DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
YEARS_20XX = {"pattern": "^20[0-9]{2}-"}  # what DATES allows, as the document states it (the core's periods do so)
MAX_FEN = 10**12  # 一百亿元: a typing error, not an entry


def doc(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _codes(*vocabularies: dict) -> str:
    return ", ".join(code for vocabulary in vocabularies for code in vocabulary)


def _actor() -> str:
    return current_identity().username


# --- schemas -----------------------------------------------------------------------------------------


class EntryFilter(PeriodArgs):
    """Which entries: a period, a site, a direction, a category, cancelled or not."""

    site_id = fields.Integer(validate=validate.Range(0, 2**31 - 1), metadata=doc(
        "小区（0：社区整体的条目）", "a site (0: the community as a whole)"))
    direction = fields.String(validate=validate.OneOf(list(vocab.ENTRY_DIRECTIONS)),
                              metadata=doc("收入或支出", "income or spending"))
    category = fields.String(validate=validate.OneOf(list(vocab.INCOME_CATEGORIES) + list(vocab.SPENDING_CATEGORIES)),
                             metadata=doc("类别", "category: " + _codes(vocab.INCOME_CATEGORIES,
                                                                        vocab.SPENDING_CATEGORIES)))
    cancelled = fields.Boolean(load_default=False, metadata=doc("已作废的（默认否）", "cancelled ones (default: not)"))


class EntryQuery(PageArgs, EntryFilter):
    sort = Sort("id", "occurred_on", "amount_fen")


class EntryIn(StrictSchema):
    direction = fields.String(required=True, validate=validate.OneOf(list(vocab.ENTRY_DIRECTIONS)),
                              metadata=doc("收入 income 或支出 spending", "income or spending"))
    category = fields.String(required=True, validate=validate.Length(1, 20), metadata=doc(
        "类别（须与方向相符）", "a category of the direction: income " + _codes(vocab.INCOME_CATEGORIES)
        + "; spending " + _codes(vocab.SPENDING_CATEGORIES)))
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN),
                                metadata=doc("金额（分，大于 0）", "amount in fen, > 0"))
    occurred_on = fields.Date(required=True, validate=DATES, metadata=YEARS_20XX | doc("发生日期（北京时间，不晚于今天）",
                                                                      "the day (Beijing), today at the latest"))
    site_id = Id(load_default=None, allow_none=True, metadata=doc("本社区的小区（空：社区整体）",
                                                                   "a site of the community (null: the community)"))
    description = Text(300, min_length=1, required=True, metadata=doc("摘要", "what it is"))
    counterparty = Text(100, load_default=None, allow_none=True, metadata=doc("付款或收款单位",
                                                                              "who paid or was paid"))
    voucher_no = Text(50, load_default=None, allow_none=True, metadata=doc("凭证号", "voucher number"))


class EntryPatch(StrictSchema):
    direction = fields.String(validate=validate.OneOf(list(vocab.ENTRY_DIRECTIONS)))
    category = fields.String(validate=validate.Length(1, 20))
    amount_fen = fields.Integer(strict=True, validate=validate.Range(1, MAX_FEN))
    occurred_on = fields.Date(validate=DATES, metadata=YEARS_20XX)
    site_id = Id(allow_none=True)
    description = Text(300, min_length=1)
    counterparty = Text(100, allow_none=True)
    voucher_no = Text(50, allow_none=True)
    reason = Text(300, load_default=None, allow_none=True, metadata=doc("更正原因（记入审计）",
                                                                        "why (kept in the audit trail)"))


class EntryCancelIn(StrictSchema):
    reason = Text(300, min_length=1, required=True, metadata=doc("作废原因", "why it is cancelled"))


class EntryOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer(allow_none=True, metadata=doc("小区（空：社区整体）", "site (null: the community)"))
    site_name = fields.String(allow_none=True)
    direction = fields.String()
    direction_label = fields.String()
    category = fields.String()
    category_label = fields.String()
    amount_fen = fields.Integer(metadata=doc("金额（分）", "amount in fen"))
    occurred_on = fields.Date()
    description = fields.String()
    counterparty = fields.String(allow_none=True)
    voucher_no = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_by_name = fields.String()
    created_at = fields.DateTime()
    cancelled = fields.Boolean()
    cancelled_by = fields.String(allow_none=True)
    cancelled_by_name = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    published = fields.Boolean(metadata=doc("已被发布的季度公示计入（不能再更正，只能作废重录）",
                                            "counted by a published statement (cancel and record anew)"))


class EntryCategoryTotal(Schema):
    direction = fields.String()
    category = fields.String()
    category_label = fields.String()
    amount_fen = fields.Integer()
    entries = fields.Integer()


class EntryTotals(Schema):
    income_fen = fields.Integer()
    spending_fen = fields.Integer()
    net_fen = fields.Integer(metadata=doc("收入减支出", "income less spending"))
    entries = fields.Integer()
    by_category = fields.List(fields.Nested(EntryCategoryTotal))




class GapQuery(Schema):
    first = fields.Date(data_key="from", validate=DATES,
                        metadata=YEARS_20XX | doc("首日（北京时间，含）", "first day, included"))
    last = fields.Date(data_key="to", validate=DATES, metadata=YEARS_20XX | doc("末日（含）", "last day, included"))
    year = fields.Integer(validate=validate.Range(2000, 2099), metadata=doc(
        "年度（可加 quarter 或 month；与 from/to 二选一；都不填：本季度至今天）",
        "a year (with a quarter or a month; or from/to; nothing: this quarter to today)"))
    quarter = fields.Integer(validate=validate.Range(1, 4))
    month = fields.Integer(validate=validate.Range(1, 12))
    site_id = Id(metadata=doc("一个小区（不填：全社区及各小区）", "a site (none: the community and each site)"))


class GapCategoryLine(Schema):
    category = fields.String()
    category_label = fields.String()
    amount_fen = fields.Integer()


class GapFiguresOut(Schema):
    fee_income_fen = fields.Integer(metadata=doc("物业费实收（期间内收款减退款、冲正）",
                                                 "fees received in the period, refunds and reversals deducted"))
    fee_received_fen = fields.Integer(metadata=doc("其中收款", "of which payments"))
    fee_returned_fen = fields.Integer(metadata=doc("其中退款、冲正（负数）", "of which refunds and reversals (negative)"))
    billed_fen = fields.Integer(metadata=doc("期间开始的账单应收（扣除减免）", "billed for periods starting in it, "
                                                                          "discounts deducted"))
    billed_paid_fen = fields.Integer(metadata=doc("这些账单至今已收", "paid on those bills so far"))
    bills = fields.Integer()
    collection_rate = Rate(metadata=doc("收缴率", "collection rate of those bills"))
    other_income = fields.List(fields.Nested(GapCategoryLine), metadata=doc("其他收入，按类别", "other income by category"))
    other_income_fen = fields.Integer()
    income_fen = fields.Integer(metadata=doc("收入合计", "total income"))
    spending = fields.List(fields.Nested(GapCategoryLine), metadata=doc("支出，按类别", "spending by category"))
    spending_fen = fields.Integer()
    gap_fen = fields.Integer(metadata=doc("缺口 = 支出 − 物业费实收", "the gap = spending − fee income"))
    covered_fen = fields.Integer(metadata=doc("其他收入弥补的缺口", "the part of the gap other income covered"))
    balance_fen = fields.Integer(metadata=doc("结余（负数为亏空）", "balance: surplus (negative: deficit)"))
    result = fields.String(metadata=doc("surplus 结余 / deficit 亏空 / balanced 持平", "surplus, deficit or balanced"))
    result_label = fields.String()


class GapSiteFiguresOut(GapFiguresOut):
    site_id = fields.Integer()
    site_name = fields.String()


class GapOut(Schema):
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    site_id = fields.Integer(allow_none=True)
    figures = fields.Nested(GapFiguresOut, metadata=doc("所选范围（一个小区或全社区）", "the scope asked (a site or the "
                                                                              "community)"))
    sites = fields.List(fields.Nested(GapSiteFiguresOut), metadata=doc("各小区（未指定小区时）", "each site (no site_id)"))
    community_wide = fields.Nested(GapFiguresOut, allow_none=True, metadata=doc(
        "社区整体的其他收支（不属某个小区）", "the entries of the community as a whole"))


class StatementQuery(PageArgs):
    year = fields.Integer(validate=validate.Range(2000, 2099))
    quarter = fields.Integer(validate=validate.Range(1, 4))
    status = fields.String(validate=validate.OneOf(list(vocab.STATEMENT_STATUSES)))
    site_id = fields.Integer(validate=validate.Range(0, 2**31 - 1), metadata=doc("小区（0：全社区的公示）",
                                                                                "a site (0: the community's)"))
    sort = Sort("id", "year")


class StatementDraftIn(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2099))
    quarter = fields.Integer(required=True, validate=validate.Range(1, 4))
    site_id = Id(load_default=None, allow_none=True, metadata=doc("小区（空：全社区）", "a site (null: the community)"))


class StatementPublishIn(StrictSchema):
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 10_000), metadata=doc(
        "读过的版本（与当前草稿不同时 409）", "the version read (409 when the draft is another)"))


class StatementCorrectIn(StrictSchema):
    reason = Text(300, min_length=1, required=True, metadata=doc("更正原因（居民可见）", "why (residents read it)"))


class StatementVersionOut(Schema):
    version = fields.Integer()
    stage = fields.String(metadata=doc("draft 草稿 / correction 更正", "draft or correction"))
    reason = fields.String(allow_none=True)
    made_by = fields.String()
    made_by_name = fields.String()
    made_at = fields.DateTime()
    disclosure_version = fields.Integer(allow_none=True, metadata=doc(
        "公示的第几版（未发布的草稿为空）", "its version in the disclosure (null: a draft never published)"))
    current = fields.Boolean()
    figures = fields.Nested(GapFiguresOut)


class StatementOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    scope_key = fields.String()
    year = fields.Integer()
    quarter = fields.Integer()
    label = fields.String()
    title = fields.String()
    version = fields.Integer(metadata=doc("当前版本", "the current version"))
    status = fields.String()
    status_label = fields.String()
    disclosure_id = fields.Integer(allow_none=True)
    disclosure_status = fields.String(allow_none=True, metadata=doc(
        "公示在核心中的状态：current 公示中、scheduled 未开始、ended 已结束、withdrawn 已撤回（仅单个公示）",
        "the disclosure's state in the core: current, scheduled, ended, withdrawn (one statement only)"))
    published_by = fields.String(allow_none=True)
    published_by_name = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_by_name = fields.String()
    created_at = fields.DateTime()
    figures = fields.Nested(GapFiguresOut, allow_none=True, metadata=doc("当前版本的数字", "the current version's figures"))


class StatementDetailOut(StatementOut):
    versions = fields.List(fields.Nested(StatementVersionOut), metadata=doc("各版本，最早的在前", "the versions, oldest first"))
    stale = fields.Boolean(metadata=doc("账目已与当前版本不同（草稿须重新生成，已发布的须更正）",
                                        "the books no longer say what the current version says"))
    drafted = fields.Boolean(metadata=doc("这次生成了新版本", "this request wrote a version"))


class StatementFileQuery(Schema):
    version = fields.Integer(validate=validate.Range(1, 10_000), metadata=doc("版本（默认当前）",
                                                                              "a version (default the current)"))


# --- shared with the console -------------------------------------------------------------------------


def entry_page(community_id: int, args: dict, with_totals: bool = False) -> dict:
    """A page of entries; `with_totals` (the console, which shows both): the filter's totals too."""
    page = paginate(entries.list_query(community_id, args), Entry, args)
    page["items"] = entries.entries_out(page["items"])
    if with_totals:
        page["totals"] = entries.totals(community_id, args)
    return page


def gap_report(community_id: int, args: dict) -> dict:
    first, last = gap.period_of_args(args)
    site_id = args.get("site_id")
    if site_id is not None:
        entries.check_site(community_id, site_id)
        return {"first": first, "last": last, "site_id": site_id, "sites": [], "community_wide": None,
                "figures": gap.labelled(gap.figures(community_id, first, last, site_id))}
    found = gap.by_site(community_id, first, last)
    return {"first": first, "last": last, "site_id": None, "figures": gap.labelled(found["total"]),
            "sites": [{**gap.labelled(row), "site_id": row["site_id"], "site_name": row["site_name"]}
                      for row in found["sites"]],
            "community_wide": gap.labelled(found["community_wide"])}


def statement_page(community_id: int, args: dict) -> dict:
    page = paginate(statements.list_query(community_id, args), Statement, args)
    page["items"] = statements.statements_out(page["items"])
    return page


def statement_detail(statement: Statement, drafted: bool = False) -> dict:
    shown = statements.statements_out([statement], with_versions=True)[0]
    shown["stale"] = statements.stale(statement)
    shown["drafted"] = drafted
    return shown


# --- entries -----------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/entries")
class Entries(MethodView):
    @blp.arguments(EntryQuery, location="query")
    @blp.response(200, page_schema(EntryOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """其他收入与支出（收费员、收费主管；合计见 /entries/totals）/ Other income and spending (cashiers, the fee
        manager; the totals: /entries/totals)"""
        require_cashier(community_id)
        return entry_page(community_id, args)

    @blp.arguments(EntryIn)
    @blp.response(201, EntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """记一笔其他收入或支出（收费主管）/ Record other income or spending (fee manager)"""
        require_manager(community_id)
        return entries.entries_out([entries.record(community_id, data, _actor())])[0]


@blp.route("/communities/<int:community_id>/entries/totals")
class EntryTotalsView(MethodView):
    @blp.arguments(EntryFilter, location="query")
    @blp.response(200, EntryTotals)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """筛选条件下的合计：收入、支出、净额、按类别（不含已作废）/ The filter's totals: income, spending, net, by
        category (cancelled entries never)"""
        require_cashier(community_id)
        return entries.totals(community_id, args)


@blp.route("/entries/<int:entry_id>")
class OneEntry(MethodView):
    @blp.response(200, EntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, entry_id):
        """一笔收支 / An entry"""
        entry = routed(Entry, entry_id)
        require_cashier(entry.community_id)
        return entries.entries_out([entry])[0]

    @blp.arguments(EntryPatch)
    @blp.response(200, EntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, entry_id):
        """更正一笔收支（收费主管；记入审计）。已发布的季度公示计入的不能更正（409）：作废后重录，公示的下一版
        会反映 / Correct an entry (fee manager; audited). One a published statement counted is a 409: cancel it
        and record a new one, which the statement's next version shows"""
        entry = routed(Entry, entry_id)
        require_manager(entry.community_id)
        amended, _names = entries.amend(entry.id, data, _actor())
        return entries.entries_out([amended])[0]


@blp.route("/entries/<int:entry_id>/cancel")
class CancelEntry(MethodView):
    @blp.arguments(EntryCancelIn)
    @blp.response(200, EntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, entry_id):
        """作废一笔收支（收费主管，须写原因；保留记录，不再计入）/ Cancel an entry (fee manager, with a reason;
        kept, no longer counted)"""
        entry = routed(Entry, entry_id)
        require_manager(entry.community_id)
        return entries.entries_out([entries.cancel(entry.id, data["reason"], _actor())])[0]


# --- the gap -----------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/gap")
class Gap(MethodView):
    @blp.arguments(GapQuery, location="query")
    @blp.response(200, GapOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id):
        """物业费收入与成本的缺口及其弥补：一个小区，或全社区及各小区 / Fee income against cost, the gap and
        how it was covered: one site, or the community and each site"""
        require_staff()
        return gap_report(community_id, args)


# --- statements --------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/statements")
class Statements(MethodView):
    @blp.arguments(StatementQuery, location="query")
    @blp.response(200, page_schema(StatementOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """季度收支公示 / The quarterly statements"""
        require_staff()
        return statement_page(community_id, args)

    @blp.arguments(StatementDraftIn)
    @blp.response(201, StatementDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, community_id):
        """生成季度公示草稿（收费主管）：季度未结束 422 `quarter`；已有草稿且账目未变时不新增版本；已发布 409
        / Draft a quarter's statement (fee manager): a quarter not ended is a 422 `quarter`; drafting again with
        the books unchanged writes nothing; a published one is a 409"""
        require_manager(community_id)
        statement, drafted = statements.draft(community_id, data["site_id"], data["year"], data["quarter"], _actor())
        return statement_detail(statement, drafted)


@blp.route("/statements/<int:statement_id>")
class OneStatement(MethodView):
    @blp.response(200, StatementDetailOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, statement_id):
        """一份公示及其各版本 / A statement with its versions"""
        statement = routed(Statement, statement_id)
        require_staff()
        return statement_detail(statement)


@blp.route("/statements/<int:statement_id>/publish")
class PublishStatement(MethodView):
    @blp.arguments(StatementPublishIn)
    @blp.response(200, StatementDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, statement_id):
        """向居民公示当前草稿（收费主管）：附 .xlsx 和 .docx，公示期自今天起按配置天数 / Publish the draft to
        residents (fee manager), with its .xlsx and .docx, from today for the configured days"""
        statement = routed(Statement, statement_id)
        require_manager(statement.community_id)
        return statement_detail(statements.publish(statement.id, _actor(), data.get("version")))


@blp.route("/statements/<int:statement_id>/correct")
class CorrectStatement(MethodView):
    @blp.arguments(StatementCorrectIn)
    @blp.response(200, StatementDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, statement_id):
        """更正已发布的公示（收费主管）：按当前账目重算为新版本并发布为公示的下一版，旧版本保留 / Correct a
        published statement (fee manager): recomputed from the books as the next version, published as the
        disclosure's next version; earlier versions kept"""
        statement = routed(Statement, statement_id)
        require_manager(statement.community_id)
        return statement_detail(statements.correct(statement.id, data["reason"], _actor()))


@blp.route("/statements/<int:statement_id>/statement.xlsx")
class StatementXlsx(MethodView):
    @blp.arguments(StatementFileQuery, location="query")
    @blp.response(200, description="季度收支公示表（Excel）/ the statement (.xlsx)", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, statement_id):
        """公示表（Excel，读者的语言）/ The statement as Excel (the reader's language)"""
        statement = routed(Statement, statement_id)
        require_staff()
        return statements.download(statement, "xlsx", args.get("version"))


@blp.route("/statements/<int:statement_id>/statement.docx")
class StatementDocx(MethodView):
    @blp.arguments(StatementFileQuery, location="query")
    @blp.response(200, {"format": "binary", "type": "string"}, content_type=DOCX,
                  description="季度收支公示（Word）/ the statement (.docx)")
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, statement_id):
        """公示（Word，A4，可打印张贴）/ The statement as Word (A4, to print and post)"""
        statement = routed(Statement, statement_id)
        require_staff()
        return statements.download(statement, "docx", args.get("version"))
