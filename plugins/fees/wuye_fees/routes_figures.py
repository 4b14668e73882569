"""The API of collection figures and reminders (figures area), under /api/v1/plugins/fees:

    GET   /communities/<id>/collection?year=      收缴率 by site × month of the year, and the arrears' ageing today
    GET   /communities/<id>/collection.xlsx?year= the same as a workbook (no names: anyone who reads the community)
    GET   /communities/<id>/reminders/due         fee units to remind (cashier: names the household, amounts)
    GET   /communities/<id>/reminders             reminders made (cashier), newest first
    POST  /communities/<id>/reminders             a reminder made by hand (visit, phone call, written notice)
    POST  /communities/<id>/reminders/send        text the households due a reminder (a background job; 202)

Collection figures are counts and sums without names: anyone who reads the community may see
them. Reminders name households and what they owe: cashiers and the fee manager.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    XLSX_DOC,
    Count,
    ErrorSchema,
    Id,
    PageArgs,
    Rate,
    Sort,
    StrictSchema,
    Text,
    local_today,
    page_schema,
    paginate,
    require_staff,
)

from . import figures, reminders, vocab
from .access import require_cashier
from .models import Reminder

blp = Blueprint("fees_figures", __name__, description="物业费 · 收缴统计与催缴 / Property fees: collection figures and reminders")


def doc(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


class CollectionYearQuery(Schema):  # a query string (the console passes it a dict of text too)
    year = fields.Integer(validate=validate.Range(2000, 2099), metadata=doc("年度（默认今年）", "the year (this year by default)"))


class CollectionCellOut(Schema):
    due_fen = fields.Integer(metadata=doc("应收（分）：账单金额减去减免，作废的不计", "due (fen): the bills' amounts less "
                                                                              "discounts, cancelled ones left out"))
    collected_fen = fields.Integer(metadata=doc("已收（分）：核销到这些账单的金额", "collected (fen): set against these bills"))
    owed_fen = fields.Integer(metadata=doc("未收（分）", "not collected (fen)"))
    bills = Count()
    collection_rate = Rate()


class CollectionMonthOut(CollectionCellOut):
    month = fields.Integer(metadata=doc("月份：账单周期的第一个月（按季、按年的账单计入其首月）",
                                        "the month: the bills' period's first month (quarterly and yearly bills "
                                        "count in their first month)"))


class CollectionSiteOut(Schema):
    site_id = fields.Integer()
    name = fields.String()
    total = fields.Nested(CollectionCellOut)
    months = fields.List(fields.Nested(CollectionMonthOut))


class AgeingBucketOut(Schema):
    code = fields.String(metadata=doc("账龄段：" + ", ".join(vocab.AGEING_LABELS), "the ageing bucket"))
    label = fields.String()
    owed_fen = fields.Integer(metadata=doc("欠费（分）", "owed (fen)"))
    bills = Count()


class FeesAgeingOut(Schema):
    today = fields.Date(metadata=doc("账龄计算日（北京时间今天）", "the day the ages are counted to (today, Beijing)"))
    owed_fen = fields.Integer(metadata=doc("逾期欠费合计（分）", "overdue in all (fen)"))
    bills = Count()
    buckets = fields.List(fields.Nested(AgeingBucketOut))


class FeesCollectionOut(Schema):
    year = fields.Integer()
    sites = fields.List(fields.Nested(CollectionSiteOut))
    months = fields.List(fields.Nested(CollectionMonthOut), metadata=doc("全社区每月合计", "the community's months"))
    total = fields.Nested(CollectionCellOut)
    ageing = fields.Nested(FeesAgeingOut)


def collection_answer(community_id: int, year: int | None) -> dict:
    year = year or local_today().year
    data = figures.collection_json(figures.collection(community_id, year))
    ages = figures.ageing(community_id)
    data["ageing"] = {key: ages[key] for key in ("today", "owed_fen", "bills", "buckets")}
    return data


@blp.route("/communities/<int:community_id>/collection")
class Collection(MethodView):
    @blp.arguments(CollectionYearQuery, location="query")
    @blp.response(200, FeesCollectionOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id):
        """收缴率（按小区、按月）与欠费账龄 / Collection rate by site and month, and the arrears' ageing"""
        require_staff()
        return collection_answer(community_id, args.get("year"))


@blp.route("/communities/<int:community_id>/collection.xlsx")
class CollectionXlsx(MethodView):
    @blp.arguments(CollectionYearQuery, location="query")
    @blp.response(200, description="收缴率统计表 / the collection figures (.xlsx)", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id):
        """收缴率统计表（Excel）/ The collection figures as a workbook"""
        require_staff()
        return figures.download(community_id, args.get("year") or local_today().year)


# --- reminders -------------------------------------------------------------------------------------------


class ReminderDueOut(Schema):
    fee_unit_id = fields.Integer()
    label = fields.String(metadata=doc("收费单元", "the fee unit"))
    site_id = fields.Integer()
    household_id = fields.Integer(allow_none=True)
    owed_fen = fields.Integer(metadata=doc("逾期欠费（分）", "overdue (fen)"))
    bills = Count()
    oldest_due_on = fields.Date(metadata=doc("最早到期日", "the oldest due date"))
    last_reminded_at = fields.DateTime(allow_none=True, metadata=doc("上次催缴", "the last reminder"))


class ReminderDueQuery(PageArgs):
    sort = Sort("owed_fen", "oldest_due_on", "label", "id", default="-owed_fen")  # most owed first; id = the unit's


class FeesReminderOut(Schema):
    id = fields.Integer()
    fee_unit_id = fields.Integer()
    household_id = fields.Integer(allow_none=True)
    channel = fields.String(metadata=doc("方式：" + ", ".join(vocab.REMINDER_CHANNELS), "how"))
    owed_fen = fields.Integer()
    bills = Count()
    result = fields.String(metadata=doc("结果：sent 已发送、logged 无短信服务仅记录、failed 失败、noted 人工记录、"
                                        "sending 发送中", "the result"))
    note = fields.String(allow_none=True)
    sent_by = fields.String()
    sent_at = fields.DateTime()


class FeesReminderQuery(PageArgs):
    sort = Sort("id", "sent_at")
    channel = fields.String(validate=validate.OneOf(list(vocab.REMINDER_CHANNELS)))


class ReminderManualIn(StrictSchema):
    fee_unit_id = Id(required=True, metadata=doc("收费单元", "the fee unit"))
    channel = fields.String(required=True, validate=validate.OneOf(list(reminders.MANUAL_CHANNELS)),
                            metadata=doc("方式：visit 上门、phone 电话、notice 书面通知", "visit, phone or notice"))
    note = Text(300, load_default=None, metadata=doc("情况（如：已上门，答应月底缴清）", "what happened"))


class ReminderSendOut(Schema):
    queued = fields.Boolean()
    due = Count(metadata=doc("应催缴的收费单元", "fee units due a reminder"))


@blp.route("/communities/<int:community_id>/reminders/due")
class RemindersDue(MethodView):
    @blp.arguments(ReminderDueQuery, location="query")
    @blp.response(200, page_schema(ReminderDueOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """应催缴的收费单元（逾期达到设置天数；默认欠得多的在前）/ Fee units due a reminder (most owed first)"""
        require_cashier(community_id)
        items = sorted(reminders.due(community_id), key=lambda item: item["fee_unit_id"])  # ties by id
        for name, descending in reversed(args["sort"]):
            key = "fee_unit_id" if name == "id" else name
            items.sort(key=lambda item: (item[key] is None, item[key]), reverse=descending)
        start = (args["page"] - 1) * args["per_page"]
        return {"items": items[start:start + args["per_page"]], "total": len(items), "page": args["page"],
                "per_page": args["per_page"]}


@blp.route("/communities/<int:community_id>/reminders")
class Reminders(MethodView):
    @blp.arguments(FeesReminderQuery, location="query")
    @blp.response(200, page_schema(FeesReminderOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """催缴记录 / Reminders made"""
        require_cashier(community_id)
        statement = select(Reminder).where(Reminder.community_id == community_id)
        if args.get("channel"):
            statement = statement.where(Reminder.channel == args["channel"])
        return paginate(statement, Reminder, args)

    @blp.arguments(ReminderManualIn)
    @blp.response(201, FeesReminderOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, community_id):
        """记录一次人工催缴（上门、电话、书面通知）/ Record a reminder made by hand"""
        identity = require_cashier(community_id)
        return reminders.record_manual(community_id, data["fee_unit_id"], data["channel"], data.get("note"),
                                       identity.username)


@blp.route("/communities/<int:community_id>/reminders/send")
class SendReminders(MethodView):
    @blp.response(202, ReminderSendOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(429, schema=ErrorSchema)
    def post(self, community_id):
        """短信催缴应催缴的住户（后台任务；同一户在设置的间隔内不重复发）/ Text the households due a
        reminder (a background job; none twice within the configured interval)"""
        identity = require_cashier(community_id)
        return reminders.start(community_id, identity.username)
