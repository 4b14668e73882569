"""Request and response schemas of imports."""

from __future__ import annotations

from flask_babel import force_locale
from flask_smorest.fields import Upload
from marshmallow import fields

from ..api.pagination import PageArgs, Sort
from ..common.schemas import StrictSchema
from ..i18n import _, translate_message
from .models import ImportStatus


def render(msgid: str | None, params: dict | None = None) -> str | None:
    """A stored msgid (English; marshmallow's already formatted) in the current language."""
    if msgid is None:
        return None
    if params:
        try:
            return _(msgid) % params
        except (KeyError, TypeError, ValueError):
            return msgid % params if "%(" in msgid else msgid
    return translate_message(msgid)


def render_en(msgid: str | None, params: dict | None = None) -> str | None:
    if msgid is None:
        return None
    with force_locale("en"):
        return render(msgid, params)


class LedgerUploadIn(StrictSchema):
    file = Upload(required=True, metadata={"description": "住户台账 .xlsx（第一个工作表，第一行为列名）/ the ledger"})


class RowErrorOut(StrictSchema):
    row = fields.Integer(metadata={"description": "Excel 中的行号 / row number as Excel shows it"})
    column = fields.String(allow_none=True, metadata={"description": "列名（文件中的写法）/ column header"})
    message = fields.Function(lambda e: render(e["msgid"], e.get("params")),
                              metadata={"description": "原因（中文优先）/ the reason, in the request's language"})
    message_en = fields.Function(lambda e: render_en(e["msgid"], e.get("params")),
                                 metadata={"description": "原因（英文）/ the reason in English"})
    plugin = fields.String(metadata={"description": "拒绝此行的插件（如有）/ the plugin that refused the row, if one did"})
    plugin_title = fields.String(metadata={"description": "该插件的名称 / that plugin's title"})


class ImportOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer()
    kind = fields.String(metadata={"description": "households"})
    status = fields.Enum(ImportStatus, by_value=True, metadata={"description": "queued | running | done | failed"})
    filename = fields.String(allow_none=True)
    total_rows = fields.Integer(allow_none=True, metadata={"description": "数据行数（读完后确定）/ data rows"})
    processed_rows = fields.Integer()
    created = fields.Integer(metadata={"description": "新建住户的行 / rows that created a household"})
    updated = fields.Integer(metadata={"description": "有改动的行 / rows that changed something"})
    unchanged = fields.Integer(metadata={"description": "无改动的行 / rows that changed nothing"})
    failed = fields.Integer(metadata={"description": "有错误、未导入的行 / rows not imported"})
    error_count = fields.Integer(metadata={"description": "错误总数（errors 只列前 1000 条）/ all errors"})
    errors = fields.List(fields.Nested(RowErrorOut), metadata={"description": "前 1000 条错误 / the first 1000"})
    message = fields.Function(lambda j: render(j.message), allow_none=True,
                              metadata={"description": "整个文件失败时的原因 / why the whole import failed"})
    message_en = fields.Function(lambda j: render_en(j.message), allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class ImportQuery(PageArgs):
    sort = Sort("id", "created_at")
