"""Request and response schemas of attendance (routes_attendance.py, console_attendance.py)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

from wuye_core.plugins import Id, PageArgs, Sort, StrictSchema, Text, local_today

from . import vocab
from .attendance import beijing_time
from .i18n import N_
from .months import MONTH_PATTERN, parse_month


class Month(fields.Field):
    """A calendar month written YYYY-MM (e.g. 2026-11), loaded as its first day."""

    def _deserialize(self, value, attr, data, **kwargs):
        found = parse_month(value if isinstance(value, str) else "")
        if found is None:
            raise ValidationError(N_("Write the month as YYYY-MM, e.g. 2026-11."))
        return found

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%Y-%m")


def this_month():
    return local_today().replace(day=1)


MONTH_DOC = {"description": "月份 YYYY-MM（2000-01 至 2100-12），默认本月（北京时间）/ the month, YYYY-MM "
                           "(2000-01 to 2100-12); this month by default",
             "example": "2026-11", "type": "string", "pattern": MONTH_PATTERN}


class AttendanceMonthArgs(StrictSchema):
    month = Month(load_default=this_month, metadata=MONTH_DOC)


class AttendanceDayArgs(StrictSchema):
    day = fields.Date(load_default=local_today,
                      metadata={"description": "日期（北京时间），默认今天 / the day (Beijing); today by default"})


class AttendanceDayIn(StrictSchema):
    status = fields.String(required=True, metadata={"description": "present / absent / leave / rest",
                                                    "enum": list(vocab.ATTENDANCE)})
    leave_kind = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "请假时必填 / required for leave",
                                         "enum": list(vocab.LEAVE_KINDS)})
    note = Text(200, load_default=None, allow_none=True)


class AttendanceEntryIn(AttendanceDayIn):
    worker_id = Id(required=True)


class AttendanceTeamSheetIn(StrictSchema):
    entries = fields.List(fields.Nested(AttendanceEntryIn), required=True, validate=validate.Length(max=500),
                          metadata={"description": "每人一条 / one per worker on the post that day"})


class AttendanceImportIn(StrictSchema):
    file = Upload(required=True, metadata={"description": "填好的月度考勤表 .xlsx，≤ 5 MiB / the filled-in sheet"})


class AttendanceExportArgs(StrictSchema):
    month = Month(load_default=this_month, metadata=MONTH_DOC)
    post_id = Id(metadata={"description": "只看这个岗位 / only this post"})


class AttendanceMonthQuery(PageArgs):
    month = Month(load_default=this_month, metadata=MONTH_DOC)
    post_id = Id(metadata={"description": "只看这个岗位 / only this post"})
    sort = Sort("id", "name", default="name")


# --- out ---------------------------------------------------------------------------------------------


class AttendanceOut(Schema):
    id = fields.Integer()
    worker_id = fields.Integer()
    post_id = fields.Integer()
    placement_id = fields.Integer()
    day = fields.Date()
    status = fields.String()
    status_label = fields.Function(lambda row: vocab.label(vocab.ATTENDANCE, row.status))
    leave_kind = fields.String(allow_none=True)
    leave_kind_label = fields.Function(lambda row: vocab.label(vocab.LEAVE_KINDS, row.leave_kind) or None)
    clock_in_at = fields.DateTime(allow_none=True, metadata={"description": "UTC"})
    clock_out_at = fields.DateTime(allow_none=True, metadata={"description": "UTC"})
    clock_in = fields.Function(lambda row: beijing_time(row.clock_in_at),
                               metadata={"description": "上班打卡时间（北京时间 HH:MM）/ Beijing time"})
    clock_out = fields.Function(lambda row: beijing_time(row.clock_out_at),
                                metadata={"description": "下班打卡时间（北京时间 HH:MM）/ Beijing time"})
    source = fields.String()
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class AttendancePostOut(Schema):
    id = fields.Integer()
    name = fields.String()
    shift_start = fields.String()
    shift_end = fields.String()


class AttendanceMemberOut(Schema):
    worker_id = fields.Integer()
    name = fields.String()
    record = fields.Nested(AttendanceOut, allow_none=True)


class AttendanceTeamSheetOut(Schema):
    post = fields.Nested(AttendancePostOut)
    day = fields.Date()
    members = fields.List(fields.Nested(AttendanceMemberOut))  # not a page: everyone on post that day


class AttendanceSavedOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class AttendanceCountsOut(Schema):
    days_on_post = fields.Integer(metadata={"description": "安置覆盖的天数 / days a placement covers"})
    present = fields.Integer()
    absent = fields.Integer()
    rest = fields.Integer()
    leave = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "按假别 / by kind of leave"})
    leave_total = fields.Integer()
    unrecorded = fields.Integer(metadata={"description": "在岗但未登记的天数 / days on post not recorded"})


class AttendanceMonthOut(AttendanceCountsOut):
    worker_id = fields.Integer()
    name = fields.String()
    posts = fields.List(fields.String())


class AttendanceMeOut(Schema):
    worker = fields.Dict(metadata={"description": "{id, name}"})
    post = fields.Nested(AttendancePostOut, allow_none=True)
    today = fields.Date()
    record = fields.Nested(AttendanceOut, allow_none=True)
    month = Month()
    counts = fields.Nested(AttendanceCountsOut)
    can_clock_in = fields.Boolean()
    can_clock_out = fields.Boolean()
