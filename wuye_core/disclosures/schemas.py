"""What the disclosures' endpoints take and give (staff's and residents')."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate, validates_schema

from ..api.pagination import PageArgs, Sort
from ..common.fields import Id, Text
from ..common.periods import DATES, YEARS_20XX
from ..common.schemas import StrictSchema
from ..storage import DOCUMENT_TYPES
from .models import DisclosureKind
from .service import MAX_FILES, PERIOD_ORDER, PUBLICATION_ORDER, STATUSES

KINDS = [k.value for k in DisclosureKind]
KIND_DOC = ("income_spending 物业费收支明细 / income and spending; public_income 公共收益 / public income; "
            "maintenance_fund 维修资金使用 / maintenance fund use; other 其他")
STATUS_DOC = ("current 公示中 / in publication; scheduled 未开始 / not started; ended 已结束 / over; "
              "withdrawn 已撤回 / withdrawn")


def _date(description: str, **kwargs):
    return fields.Date(validate=DATES, metadata={"pattern": YEARS_20XX, "description": description}, **kwargs)


class _Dates(StrictSchema):
    """The two periods, each end after its start (422 naming the end)."""

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            raise ValidationError(PERIOD_ORDER, "period_end")
        if data.get("publish_from") and data.get("publish_until") and data["publish_until"] < data["publish_from"]:
            raise ValidationError(PUBLICATION_ORDER, "publish_until")


FILE_IDS_DOC = (f"附件（先上传：POST /api/v1/disclosures/files），至多 {MAX_FILES} 个，按此顺序 / the files, uploaded "
                f"first (POST /api/v1/disclosures/files), at most {MAX_FILES}, in this order")


class DisclosureIn(_Dates):
    community_id = Id(required=True)
    site_id = Id(allow_none=True, load_default=None, metadata={
        "description": "只向该小区公示；不填为整个社区 / only to this site; none: the whole community"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"description": KIND_DOC})
    title = Text(200, min_length=1, required=True)
    summary = Text(5000, allow_none=True, load_default=None, metadata={"description": "说明 / summary text"})
    period_start = _date("所公示的期间首日（如 2026 年第三季度：2026-07-01）/ the first day of the period it covers",
                         required=True)
    period_end = _date("所公示的期间末日（含）/ the last day of the period it covers (included)", required=True)
    publish_from = _date("公示期首日（北京时间，含）/ the publication's first day (Beijing, included)", required=True)
    publish_until = _date("公示期末日（北京时间，含；不早于今天）/ the publication's last day (Beijing, included; "
                          "not before today)", required=True)
    file_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_FILES),
                           metadata={"description": FILE_IDS_DOC})


class CorrectionIn(_Dates):
    reason = Text(500, min_length=1, required=True, metadata={
        "description": "更正原因（居民可见）/ why it is corrected (residents see it)"})
    title = Text(200, min_length=1)
    summary = Text(5000, allow_none=True)
    period_start = _date("不填则不变 / unchanged when left out")
    period_end = _date("不填则不变 / unchanged when left out")
    publish_from = _date("不填则不变 / unchanged when left out")
    publish_until = _date("不填则不变；不早于今天 / unchanged when left out; not before today")
    file_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_FILES), metadata={
        "description": "新版本的全部附件：保留的旧附件和新上传的 / every file of the new version: kept ones of earlier "
                       "versions and new uploads"})


class DisclosureWithdrawIn(StrictSchema):
    reason = Text(500, min_length=1, required=True, metadata={"description": "撤回原因 / why it is withdrawn"})


class DisclosureQuery(PageArgs):
    community_id = Id(load_default=None)
    site_id = Id(load_default=None)
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None, metadata={"description": STATUS_DOC})
    kind = fields.String(validate=validate.OneOf(KINDS), load_default=None)
    sort = Sort("id", "publish_from", "publish_until")


class DisclosureUploadIn(StrictSchema):
    file = Upload(required=True, metadata={
        "description": f"PDF、Excel（.xlsx）、Word（.docx）、JPEG、PNG，默认不超过 10 MiB / "
                       f"{', '.join(sorted(DOCUMENT_TYPES))}; 10 MiB by default"})


class FileOut(StrictSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class UploadedOut(FileOut):
    uploaded_by = fields.String(allow_none=True)
    at = fields.DateTime()


class _Shown(StrictSchema):
    """What staff and residents both see of a disclosure."""

    id = fields.Integer()
    community_id = fields.Integer()
    community_name = fields.String(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": KIND_DOC})
    kind_title = fields.String(metadata={"description": "类别名称（读者的语言）/ the kind, in the reader's language"})
    title = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    publish_from = fields.Date()
    publish_until = fields.Date()
    version = fields.Integer(metadata={"description": "当前版本号 / the current version's number"})
    corrected = fields.Boolean(metadata={"description": "已更正（版本号大于 1）/ corrected (version above 1)"})
    status = fields.String(metadata={"description": STATUS_DOC})
    created_at = fields.DateTime()


class DisclosureOut(_Shown):
    created_by = fields.String(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)


class VersionOut(StrictSchema):
    version = fields.Integer()
    title = fields.String()
    summary = fields.String(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    publish_from = fields.Date()
    publish_until = fields.Date()
    reason = fields.String(allow_none=True, metadata={"description": "更正原因（第 1 版为空）/ why (none for version 1)"})
    published_by = fields.String(allow_none=True)
    at = fields.DateTime()
    files = fields.List(fields.Nested(FileOut))


class DisclosureDetail(DisclosureOut):
    summary = fields.String(allow_none=True)
    files = fields.List(fields.Nested(FileOut), metadata={"description": "当前版本的附件 / the current version's files"})
    versions = fields.List(fields.Nested(VersionOut), metadata={"description": "全部版本，最新在前 / every version, "
                                                                               "newest first"})


class CorrectionOut(StrictSchema):
    version = fields.Integer()
    at = fields.DateTime()
    reason = fields.String(allow_none=True)


class ResidentDisclosureOut(_Shown):
    published_at = fields.DateTime(metadata={"description": "当前版本发布时间 / when this version was published"})
    corrections = fields.List(fields.Nested(CorrectionOut), metadata={
        "description": "更正记录（时间、原因；旧版本的内容只有工作人员可见）/ the corrections: when and why (the earlier "
                       "contents stay with staff)"})
    files = fields.List(fields.Nested(FileOut))


class ResidentDisclosureDetail(ResidentDisclosureOut):
    summary = fields.String(allow_none=True)


class ResidentQuery(PageArgs):
    pass
