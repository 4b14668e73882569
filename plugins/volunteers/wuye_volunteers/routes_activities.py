"""The API of activities, series, sign-ups, check-in and hours (activities.py, series.py, signups.py,
checkin.py, hours.py), under /api/v1/plugins/volunteers.

Reads: activities and series by anyone who reads the community (no personal data; the QR code's
address only for organisers); sign-ups and hours by the alliance manager and activity organisers.
Writes: the manager and organisers; confirming hours: the activity's organiser or the manager.
Times are ISO 8601 with an offset (without one: Beijing time); durations are integer minutes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema

from wuye_core.plugins import (
    LOCAL_TZ,
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    current_identity,
    db,
    page_schema,
    paginate,
    require_staff,
)

from . import activities, checkin, hours, series, signups, vocab
from .access import is_organiser, require_organiser, routed
from .i18n import N_
from .models import Activity, Member, Series, Signup

blp = Blueprint("volunteers_activities", __name__, description="居民服务联盟 · 活动 / Volunteer alliance: activities")

INSTANTS = validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2099, 12, 31, tzinfo=UTC))
DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
YEARS = "^20[0-9]{2}-"
HH_MM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def hh_mm(value: str) -> None:
    """A time of day as HH:MM (the message in the plugin's catalog: marshmallow's Regexp would lose it)."""
    if not re.fullmatch(HH_MM_PATTERN, value or ""):
        raise ValidationError(N_("A time of day as HH:MM, e.g. 08:30."))


def _actor() -> str:
    return current_identity().username


def _instant(description: str, **kw):
    return fields.AwareDateTime(default_timezone=LOCAL_TZ, validate=INSTANTS,
                                metadata={"pattern": YEARS, "description": description}, **kw)


def _skills(**kw):
    return fields.List(fields.String(validate=validate.OneOf(list(vocab.SKILLS))),
                       validate=validate.Length(max=len(vocab.SKILLS)), metadata={
                           "description": "需要的技能（代码）/ skills wanted (codes): " + ", ".join(vocab.SKILLS)}, **kw)


# --- schemas: activities ------------------------------------------------------------------------------


class ActivityQuery(PageArgs):
    first = fields.Date(data_key="from", load_default=None, validate=DATES, metadata={
        "pattern": YEARS, "description": "开始日期不早于（北京时间，含）/ starting on or after (Beijing date)"})
    last = fields.Date(data_key="to", load_default=None, validate=DATES, metadata={
        "pattern": YEARS, "description": "开始日期不晚于（北京时间，含）/ starting on or before (Beijing date)"})
    status = fields.String(validate=validate.OneOf(list(vocab.ACTIVITY_STATUSES)), metadata={
        "description": "open 报名中/进行中、cancelled 已取消、confirmed 时长已确认 / the status"})
    team_id = Id()
    series_id = Id(metadata={"description": "某个每周活动的各次 / the occurrences of one weekly series"})
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)), metadata={
        "description": "需要此技能的活动 / activities wanting this skill"})
    sort = Sort("id", "starts_at")

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")


class ActivityIn(StrictSchema):
    title = Text(100, min_length=1, required=True)
    description = Text(1000, allow_none=True)
    place = Text(200, min_length=1, required=True, metadata={"description": "地点 / where"})
    site_id = Id(allow_none=True, metadata={"description": "本社区的小区（可选）/ a site of the community (optional)"})
    team_id = Id(allow_none=True, metadata={"description": "组织的服务队（可选）/ the team running it (optional)"})
    starts_at = _instant(description="开始时间（ISO 8601，带时区；不带时按北京时间）/ start (ISO 8601 with an "
                                     "offset; without one: Beijing time)", required=True)
    ends_at = _instant(description="结束时间，须晚于开始、7 天以内 / end: after the start, within 7 days", required=True)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 10000), metadata={
        "description": "名额；空为不限（不设候补）/ places; null: no limit (nobody waits)"})
    skills_wanted = _skills()


class ActivityPatch(ActivityIn):
    pass


class ActivityOut(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    series_id = fields.Integer(allow_none=True)
    series_title = fields.String(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    team_name = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    place = fields.String()
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    duration_minutes = fields.Integer(metadata={"description": "时长（分钟）/ length in minutes"})
    capacity = fields.Integer(allow_none=True)
    skills_wanted = fields.List(fields.String())
    skills_labels = fields.List(fields.String())
    status = fields.String(metadata={"description": "open / cancelled / confirmed（时长已确认 / hours confirmed）"})
    status_label = fields.String()
    signed_up = fields.Integer(metadata={"description": "已报名（有名额）人数 / members with a place"})
    waiting = fields.Integer(metadata={"description": "候补人数 / members waiting"})
    checked_in = fields.Integer(metadata={"description": "已签到人数 / members checked in"})
    places_left = fields.Integer(allow_none=True, metadata={"description": "剩余名额；空为不限 / null: no limit"})
    organiser = fields.String(metadata={"description": "组织者（员工用户名）/ the organiser's username"})
    organiser_name = fields.String()
    confirmed_by = fields.String(allow_none=True)
    confirmed_by_name = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    checkin_url = fields.String(allow_none=True, metadata={
        "description": "签到二维码的地址（仅组织者可见）/ the QR code's address (organisers only)"})
    created_by = fields.String()
    created_at = fields.DateTime(allow_none=True)


# --- schemas: sign-ups, check-in, hours -----------------------------------------------------------------


class MemberIn(StrictSchema):
    member_id = Id(required=True, metadata={"description": "本社区联盟的成员 / a member of the community's alliance"})


class SignupOut(StrictSchema):
    id = fields.Integer()
    activity_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String()
    member_kind = fields.String(allow_none=True)
    member_kind_label = fields.String()
    member_left = fields.Boolean()
    phone = fields.String(allow_none=True, metadata={
        "description": "电话（成员同意联系且调用者为组织者、或调用者为联盟管理员时完整，否则脱敏）/ phone, masked unless "
                       "the caller is the manager, or an organiser and the member consented to be contacted"})
    status = fields.String(metadata={"description": "confirmed 有名额 / waiting 候补 / cancelled 已取消"})
    status_label = fields.String()
    position = fields.Integer(allow_none=True, metadata={"description": "候补顺位（1 为下一位）/ place on the "
                                                                       "waiting list, 1 = next"})
    signed_up_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    checked_in_by = fields.String(allow_none=True, metadata={"description": "签到人：员工用户名，或 qr（扫码）/ a "
                                                                            "staff username, or qr"})
    minutes = fields.Integer(allow_none=True, metadata={"description": "确认的时长（分钟；0 为缺席）/ minutes "
                                                                      "confirmed, 0 = absent"})
    record_id = fields.Integer(allow_none=True)


class SignupList(StrictSchema):
    """Not a page: an activity's sign-ups (places first, then the waiting list in order, then the cancelled)."""

    signups = fields.List(fields.Nested(SignupOut))
    confirmed = fields.Integer()
    waiting = fields.Integer()
    capacity = fields.Integer(allow_none=True)


class CancelOut(StrictSchema):
    signup = fields.Nested(SignupOut)
    promoted = fields.Nested(SignupOut, allow_none=True, metadata={
        "description": "从候补递补到名额的成员 / the waiting member moved up to the place"})


class HoursRowIn(StrictSchema):
    signup_id = Id(required=True)
    minutes = fields.Integer(validate=validate.Range(0, 24 * 60), metadata={
        "description": "时长（分钟），0 为缺席；不填按建议时长 / minutes, 0 = absent; left out: the proposal"})
    evaluation = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.EVALUATIONS)), metadata={
        "description": "评价（可选）/ evaluation (optional): " + ", ".join(vocab.EVALUATIONS)})


class HoursIn(StrictSchema):
    rows = fields.List(fields.Nested(HoursRowIn), load_default=list, validate=validate.Length(max=2000), metadata={
        "description": "各成员的时长；未列出的按建议时长 / minutes per member; those left out get the proposal"})


class HoursRowOut(StrictSchema):
    signup_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String()
    member_left = fields.Boolean()
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    proposed_minutes = fields.Integer(metadata={
        "description": "建议时长：签退−签到，不超过活动时长；未签退为活动时长；未签到为 0 / check-out − check-in, "
                       "at most the activity's length; its length without a check-out; 0 without a check-in"})
    minutes = fields.Integer(allow_none=True, metadata={"description": "确认的时长 / the minutes confirmed"})
    absent = fields.Boolean()
    record_id = fields.Integer(allow_none=True)
    evaluation = fields.String(allow_none=True)
    evaluation_label = fields.String()


class HoursOut(StrictSchema):
    activity_id = fields.Integer()
    status = fields.String()
    duration_minutes = fields.Integer()
    confirmed_by = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    rows = fields.List(fields.Nested(HoursRowOut))


# --- schemas: series --------------------------------------------------------------------------------


class SeriesQuery(PageArgs):
    active = fields.Boolean(metadata={"description": "true 进行中 / false 已停止 / running or stopped"})
    sort = Sort("id", "weekday")


class SeriesIn(StrictSchema):
    title = Text(100, min_length=1, required=True)
    description = Text(1000, allow_none=True)
    place = Text(200, min_length=1, required=True)
    site_id = Id(allow_none=True)
    team_id = Id(allow_none=True)
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6), metadata={
        "description": "星期：0 周一 … 6 周日 / 0 Monday … 6 Sunday"})
    start_time = fields.String(required=True, validate=hh_mm, metadata={
        "description": "开始时间 HH:MM（北京时间）/ start, HH:MM Beijing time", "example": "08:30",
        "pattern": HH_MM_PATTERN})
    duration_minutes = fields.Integer(required=True, validate=validate.Range(15, 24 * 60), metadata={
        "description": "每次时长（分钟）/ minutes each time"})
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 10000))
    skills_wanted = _skills()
    first_date = fields.Date(required=True, validate=DATES, metadata={"pattern": YEARS})
    until_date = fields.Date(allow_none=True, validate=DATES, metadata={
        "pattern": YEARS, "description": "最后日期（含）；空为一直进行 / the last date (included); null: until stopped"})
    active = fields.Boolean(metadata={"description": "false：停止（删除以后无人报名的各次）/ false: stopped (its "
                                                     "future occurrences nobody signed up for are deleted)"})


class SeriesPatch(SeriesIn):
    pass


class SeriesOut(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    team_id = fields.Integer(allow_none=True)
    team_name = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    place = fields.String()
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    weekday = fields.Integer()
    weekday_label = fields.String()
    start_time = fields.String()
    duration_minutes = fields.Integer()
    capacity = fields.Integer(allow_none=True)
    skills_wanted = fields.List(fields.String())
    skills_labels = fields.List(fields.String())
    first_date = fields.Date()
    until_date = fields.Date(allow_none=True)
    active = fields.Boolean()
    next_starts_at = fields.DateTime(allow_none=True)
    upcoming = fields.Integer(metadata={"description": "以后已生成的次数 / occurrences made ahead"})
    organiser = fields.String()
    organiser_name = fields.String()
    created_at = fields.DateTime(allow_none=True)
    kept_activity_ids = fields.List(fields.Integer(), metadata={
        "description": "以后有人报名、修改系列时保留原样的各次 / future occurrences with sign-ups, kept as they are "
                       "when the series changes"})


# --- helpers ------------------------------------------------------------------------------------------


def activity_out(activity: Activity) -> dict:
    return activities.activities_out([activity], organiser_view=is_organiser(require_staff(),
                                                                             activity.community_id))[0]


def _signup_out(signup: Signup | None):
    if signup is None:
        return None
    return signups.signups_out([signup], require_staff())[0]


def _member(activity: Activity, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.community_id != activity.community_id:
        signups.check_member(activity, None)
    return member


def _series_out(rows) -> list[dict]:
    out = series.series_out(rows)
    for item in out:
        item["kept_activity_ids"] = [a.id for a in series.kept(item["id"])]
    return out


# --- activities -------------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/activities")
class Activities(MethodView):
    @blp.arguments(ActivityQuery, location="query")
    @blp.response(200, page_schema(ActivityOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的活动（可按日期、状态、服务队、技能筛选）/ The community's activities (by dates, status, team, skill)"""
        identity = require_staff()
        page = paginate(activities.list_query(community_id, args), Activity, args)
        page["items"] = activities.activities_out(page["items"], organiser_view=is_organiser(identity, community_id))
        return page

    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """新建活动（组织者；组织者为本人）/ Create an activity (organisers; the caller organises it)"""
        identity = require_organiser(community_id)
        return activity_out(activities.create_activity(community_id, data, identity.username))


@blp.route("/activities/<int:activity_id>")
class OneActivity(MethodView):
    @blp.response(200, ActivityOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, activity_id):
        """活动详情 / An activity"""
        return activity_out(routed(Activity, activity_id))

    @blp.arguments(ActivityPatch(partial=True))
    @blp.response(200, ActivityOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已取消或时长已确认 / cancelled, or hours confirmed")
    def patch(self, data, activity_id):
        """修改活动（组织者；名额增加时候补依次递补）/ Change an activity (organisers; more places move the
        waiting list up)"""
        activity = routed(Activity, activity_id)
        require_organiser(activity.community_id)
        return activity_out(activities.update_activity(activity.id, data))


@blp.route("/activities/<int:activity_id>/cancel")
class CancelActivity(MethodView):
    @blp.response(200, ActivityOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已取消或时长已确认 / cancelled already, or hours "
                                                           "confirmed")
    def post(self, activity_id):
        """取消活动（报名记录保留）/ Cancel an activity (its sign-ups are kept)"""
        activity = routed(Activity, activity_id)
        require_organiser(activity.community_id)
        return activity_out(activities.cancel_activity(activity.id))


@blp.route("/activities/<int:activity_id>/checkin-code")
class CheckinCode(MethodView):
    @blp.response(200, ActivityOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, activity_id):
        """更换签到二维码（旧码立即失效）/ A new check-in code (the old one stops working at once)"""
        activity = routed(Activity, activity_id)
        require_organiser(activity.community_id)
        return activity_out(activities.renew_code(activity.id))


# --- sign-ups ------------------------------------------------------------------------------------------------


@blp.route("/activities/<int:activity_id>/signups")
class Signups(MethodView):
    @blp.response(200, SignupList)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, activity_id):
        """报名名单：有名额的、候补（按顺位）、已取消（组织者）/ Sign-ups: places, the waiting list in order,
        the cancelled (organisers)"""
        activity = routed(Activity, activity_id)
        identity = require_organiser(activity.community_id)
        rows = signups.signups_out(signups.signups_of(activity.id), identity)
        return {"signups": rows, "confirmed": sum(1 for r in rows if r["status"] == "confirmed"),
                "waiting": sum(1 for r in rows if r["status"] == "waiting"), "capacity": activity.capacity}

    @blp.arguments(MemberIn)
    @blp.response(201, SignupOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已报名、活动已取消/已开始/已确认 / signed up already; "
                                                           "the activity cancelled, started or confirmed")
    def post(self, data, activity_id):
        """代成员报名（满员时进入候补）/ Sign a member up (on the waiting list when full)"""
        activity = routed(Activity, activity_id)
        identity = require_organiser(activity.community_id)
        signup = signups.sign_up(activity, _member(activity, data["member_id"]), identity.username)
        return _signup_out(signup)


@blp.route("/signups/<int:signup_id>/cancel")
class CancelSignup(MethodView):
    @blp.response(200, CancelOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, signup_id):
        """取消报名（工作人员随时；候补第一位递补）/ Cancel a sign-up (staff: any time; the first waiting
        member moves up)"""
        signup = routed(Signup, signup_id)
        identity = require_organiser(signup.community_id)
        done = signups.cancel(signup, identity.username)
        return {"signup": _signup_out(done.signup), "promoted": _signup_out(done.promoted)}


@blp.route("/activities/<int:activity_id>/walk-ins")
class WalkIns(MethodView):
    @blp.arguments(MemberIn)
    @blp.response(201, SignupOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, activity_id):
        """现场参加：未报名（或候补）的成员报名并签到 / A walk-in: signed up and checked in at once"""
        activity = routed(Activity, activity_id)
        identity = require_organiser(activity.community_id)
        return _signup_out(checkin.walk_in(activity, _member(activity, data["member_id"]), identity.username))


def _checking(signup_id: int, action):
    signup = routed(Signup, signup_id)
    identity = require_organiser(signup.community_id)
    return _signup_out(action(signup, identity.username))


@blp.route("/signups/<int:signup_id>/check-in")
class CheckIn(MethodView):
    @blp.response(200, SignupOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, signup_id):
        """签到（组织者；候补者签到即得名额）/ Check in (organisers; a waiting member gets a place)"""
        return _checking(signup_id, checkin.check_in)


@blp.route("/signups/<int:signup_id>/check-out")
class CheckOut(MethodView):
    @blp.response(200, SignupOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, signup_id):
        """签退（组织者）/ Check out (organisers)"""
        return _checking(signup_id, checkin.check_out)


@blp.route("/signups/<int:signup_id>/undo-check")
class UndoCheck(MethodView):
    @blp.response(200, SignupOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, signup_id):
        """撤销误点：先撤签退，再撤签到 / Undo a tap by mistake: the check-out, else the check-in"""
        return _checking(signup_id, checkin.undo)


# --- hours ---------------------------------------------------------------------------------------------------


@blp.route("/activities/<int:activity_id>/hours")
class Hours(MethodView):
    @blp.response(200, HoursOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, activity_id):
        """服务时长：每位有名额的成员的签到、签退和建议时长（组织者）/ The hours sheet: each member with a
        place, check times and proposed minutes (organisers)"""
        activity = routed(Activity, activity_id)
        require_organiser(activity.community_id)
        return hours.proposal(activity)

    @blp.arguments(HoursIn)
    @blp.response(200, HoursOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已确认、已取消或未开始 / confirmed already, "
                                                           "cancelled, or not started")
    def post(self, data, activity_id):
        """确认服务时长：每位有时长的成员得到一条服务记录（本活动的组织者或联盟管理员）/ Confirm the hours:
        a service record for each member with minutes (the activity's organiser or the manager)"""
        activity = routed(Activity, activity_id)
        identity = require_organiser(activity.community_id)
        hours.require_confirmer(identity, activity)
        hours.confirm(activity.id, data["rows"], identity.username)
        return hours.proposal(db.session.get(Activity, activity.id))


# --- series ---------------------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/series")
class SeriesList(MethodView):
    @blp.arguments(SeriesQuery, location="query")
    @blp.response(200, page_schema(SeriesOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """每周活动 / The community's weekly activities"""
        require_staff()
        page = paginate(series.list_query(community_id, args), Series, args)
        page["items"] = _series_out(page["items"])
        return page

    @blp.arguments(SeriesIn)
    @blp.response(201, SeriesOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """新建每周活动（立即生成未来四周的各次）/ Create a weekly activity (its next four weeks are made at once)"""
        identity = require_organiser(community_id)
        return _series_out([series.create_series(community_id, data, identity.username)])[0]


@blp.route("/series/<int:series_id>")
class OneSeries(MethodView):
    @blp.response(200, SeriesOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, series_id):
        """每周活动详情 / A weekly activity"""
        require_staff()
        return _series_out([routed(Series, series_id)])[0]

    @blp.arguments(SeriesPatch(partial=True))
    @blp.response(200, SeriesOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, series_id):
        """修改或停止（active=false）每周活动：以后无人报名的各次按新设置重新生成，有人报名的保留 / Change or
        stop (active=false) a weekly activity: future occurrences nobody signed up for are made again,
        those with sign-ups are kept"""
        item = routed(Series, series_id)
        require_organiser(item.community_id)
        changed, _kept = series.update_series(item.id, data)
        return _series_out([changed])[0]

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已有人报名：请停止而不是删除 / members signed up: stop "
                                                           "it instead")
    def delete(self, series_id):
        """删除每周活动及其各次（尚无人报名时）/ Delete a weekly activity and its occurrences (while nobody
        signed up)"""
        item = routed(Series, series_id)
        require_organiser(item.community_id)
        series.delete_series(item.id)
        return None
