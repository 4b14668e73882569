"""Request and response schemas of members and teams (unknown fields refused). Class names start
with Alliance: the OpenAPI document is shared with the core and the other plugins."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from wuye_core.plugins import Count, Id, Minutes, PageArgs, Sort, StrictSchema, Text

from . import vocab
from .i18n import N_

MOBILE = validate.Regexp(r"^1[3-9][0-9]{9}$", error=N_("A mobile number has 11 digits and starts with 13–19."))
ID_NUMBER = validate.Regexp(r"^[0-9]{17}[0-9Xx]$",
                            error=N_("An ID number has 17 digits and a check digit (a digit or X)."))


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _codes(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


# --- members -------------------------------------------------------------------------------------


class AllianceSkillIn(StrictSchema):
    skill = fields.String(required=True, validate=validate.OneOf(list(vocab.SKILLS)),
                          metadata=_d("技能", "skill: " + _codes(vocab.SKILLS)))
    level = fields.String(load_default="basic", validate=validate.OneOf(list(vocab.SKILL_LEVELS)),
                          metadata=_d("水平（默认 basic）", "level: " + _codes(vocab.SKILL_LEVELS)))
    confirmed = fields.Boolean(load_default=None, allow_none=True, metadata=_d(
        "true：管理员确认（今天）；false：取消确认；不填：水平不升高时保留原确认",
        "true: confirmed by the manager today; false: not confirmed; left out: a confirmation is kept "
        "unless the level is raised"))


class AllianceMemberIn(StrictSchema):
    name = Text(50, min_length=1, required=True, metadata=_d("姓名", "name"))
    kind = fields.String(required=True, validate=validate.OneOf(list(vocab.MEMBER_KINDS)),
                         metadata=_d("类别：志愿者、在职党员、专业人士", "kind: " + _codes(vocab.MEMBER_KINDS)))
    phone = Text(11, required=True, validate=[MOBILE], metadata=_d(
        "11 位手机号（本社区联盟内唯一）", "11-digit mobile number, one member per number in the community"))
    id_number = Text(18, load_default=None, allow_none=True, validate=[ID_NUMBER], metadata=_d(
        "18 位身份证号（可不填；性别由此得出）", "18-character ID number (optional; gives the gender)"))
    resident_id = Id(load_default=None, allow_none=True, metadata=_d(
        "台账中的居民（须为本社区居民）", "the resident in the register (of this community)"))
    registry_number = Text(40, load_default=None, allow_none=True, metadata=_d(
        "全国志愿服务信息系统编号", "number in the national volunteer register"))
    party_org = Text(200, load_default=None, allow_none=True, metadata=_d(
        "在职党员：所在单位党组织（必填）", "serving party members: their workplace party organisation (required)"))
    party_org_contact = Text(100, load_default=None, allow_none=True, metadata=_d(
        "党组织联系人及电话", "who receives the report there"))
    party_reported_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "在职党员：进社区报到日期（必填，不晚于今天）", "serving party members: the day they reported to the "
        "community (required, not after today)"))
    profession = Text(100, load_default=None, allow_none=True, metadata=_d("职业或专长", "profession"))
    availability = fields.List(fields.String(validate=validate.OneOf(list(vocab.AVAILABILITY))),
                               load_default=list, validate=validate.Length(max=len(vocab.AVAILABILITY)),
                               metadata=_d("可服务时间", "when they can serve: " + _codes(vocab.AVAILABILITY)))
    consent_contact = fields.Boolean(load_default=False, metadata=_d(
        "同意接收任务联系（活动组织者可见其手机号）", "consents to be contacted for tasks (organisers then see "
        "the phone)"))
    consent_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "同意日期（默认今天；不晚于今天）", "the day of the consent (default today; not after today)"))
    joined_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "加入日期（默认今天，北京时间；不晚于今天）", "joined on (default today, Beijing; not after today)"))
    skills = fields.List(fields.Nested(AllianceSkillIn), load_default=list,
                         validate=validate.Length(max=len(vocab.SKILLS)), metadata=_d(
                             "技能及水平（整体替换；每项技能一次）", "skills and levels (replaced as a whole; "
                             "each skill once)"))
    note = Text(500, load_default=None, allow_none=True, metadata=_d("备注", "note"))


class AllianceMemberPatch(AllianceMemberIn):
    """Any of AllianceMemberIn's fields; the result is checked as a whole; `skills` replaces the set."""


class AllianceLeaveIn(StrictSchema):
    left_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "退出日期（默认今天；不早于加入日期、不晚于今天）", "left on (default today; not before joining, not after "
        "today)"))


class AllianceMemberQuery(PageArgs):
    q = Text(50, metadata=_d("按姓名查找（管理员也可输入手机号的 4–11 位数字）",
                             "search by name (the manager also by 4–11 digits of the phone)"))
    kind = fields.String(validate=validate.OneOf(list(vocab.MEMBER_KINDS)))
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)), metadata=_d("有此技能", "has this skill"))
    team_id = Id(metadata=_d("在此队伍中", "in this team"))
    status = fields.String(validate=validate.OneOf(list(vocab.MEMBER_STATUSES)),
                           metadata=_d("active 在册 / left 已退出", "active / left"))
    consent = fields.Boolean(metadata=_d("是否同意联系", "consented to be contacted"))
    availability = fields.String(validate=validate.OneOf(list(vocab.AVAILABILITY)),
                                 metadata=_d("此时间可服务", "available then"))
    sort = Sort("id", "name", "joined_on", "kind")


class AllianceExportArgs(StrictSchema):
    """The list's filters, for the export (every matching member, no paging)."""

    q = Text(50)
    kind = fields.String(validate=validate.OneOf(list(vocab.MEMBER_KINDS)))
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)))
    team_id = Id()
    status = fields.String(validate=validate.OneOf(list(vocab.MEMBER_STATUSES)))
    consent = fields.Boolean()
    availability = fields.String(validate=validate.OneOf(list(vocab.AVAILABILITY)))


class AllianceSkillOut(Schema):
    skill = fields.String()
    skill_label = fields.String()
    level = fields.String()
    level_label = fields.String()
    confirmed_on = fields.Date(allow_none=True, metadata=_d("确认日期（未确认为空）", "confirmed on (null: not yet)"))
    confirmed_by_training_id = fields.Integer(allow_none=True, metadata=_d("由哪次培训确认", "the training that "
                                                                                     "confirmed it"))


class AllianceTeamRef(Schema):
    id = fields.Integer()
    name = fields.String()
    leader = fields.Boolean(metadata=_d("是队长", "leads the team"))


class AllianceMemberListOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    gender = fields.String(allow_none=True, metadata=_d("male / female（由身份证号得出）", "from the ID number"))
    phone = fields.String(allow_none=True, metadata=_d(
        "手机号：管理员，或成员同意联系时的活动组织者可见；否则为空", "the phone: for the manager, and for "
        "organisers when the member consented to be contacted; else null"))
    phone_masked = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    consent_contact = fields.Boolean()
    availability = fields.List(fields.String())
    party_org = fields.String(allow_none=True)
    skills = fields.List(fields.Nested(AllianceSkillOut))
    teams = fields.List(fields.Nested(AllianceTeamRef))
    erased = fields.Boolean()


class AllianceRecordRef(Schema):
    id = fields.Integer()
    content = fields.String()
    place = fields.String()
    started_at = fields.DateTime()
    minutes = fields.Integer(metadata=_d("服务时长（分钟）", "minutes of service"))
    organiser = fields.String()


class AllianceServiceSums(Schema):
    records = Count(metadata=_d("服务记录条数", "service records"))
    total_minutes = Minutes(metadata=_d("累计服务时长", "all the service"))
    year_minutes = Minutes(metadata=_d("本年服务时长（北京时间）", "service this year (Beijing)"))
    recent = fields.List(fields.Nested(AllianceRecordRef), metadata=_d("最近 10 条服务记录", "the 10 latest records"))


class AllianceMemberOut(AllianceMemberListOut):
    masked = fields.Boolean(metadata=_d("true：身份证号等已脱敏（非管理员）", "true: personal data masked (not the "
                                                                       "manager)"))
    id_number = fields.String(allow_none=True, metadata=_d("管理员可见", "the manager only"))
    id_number_masked = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    resident_where = fields.String(allow_none=True, metadata=_d("居住地（台账；管理员可见）", "where they live "
                                                                                   "(the register; the manager)"))
    registry_number = fields.String(allow_none=True)
    party_org_contact = fields.String(allow_none=True)
    party_reported_on = fields.Date(allow_none=True)
    profession = fields.String(allow_none=True)
    consent_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_by_name = fields.String()
    service = fields.Nested(AllianceServiceSums)


class AllianceImportIn(StrictSchema):
    file = Upload(required=True, metadata=_d("填好的成员名册模板 .xlsx，≤ 5 MiB", "the filled-in template, .xlsx"))


class AllianceImportOut(Schema):
    created = Count(metadata=_d("新登记的成员数", "members registered"))
    member_ids = fields.List(fields.Integer(), metadata=_d("按表中顺序", "in the sheet's order"))


# --- teams ---------------------------------------------------------------------------------------


class AllianceTeamIn(StrictSchema):
    name = Text(100, min_length=1, required=True, metadata=_d("队伍名称（本社区内唯一）", "name, unique in the "
                                                                                "community"))
    kind = fields.String(required=True, validate=validate.OneOf(list(vocab.TEAM_KINDS)),
                         metadata=_d("类别", "kind: " + _codes(vocab.TEAM_KINDS)))
    description = Text(500, load_default=None, allow_none=True)
    leader_member_id = Id(load_default=None, allow_none=True, metadata=_d(
        "队长：本联盟在册成员（随队伍一起加入）", "the leader: an active member (added to the team with it)"))
    member_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500), metadata=_d(
        "一起加入的成员", "members added with the team"))


class AllianceTeamPatch(StrictSchema):
    name = Text(100, min_length=1)
    kind = fields.String(validate=validate.OneOf(list(vocab.TEAM_KINDS)))
    description = Text(500, allow_none=True)
    leader_member_id = Id(allow_none=True, metadata=_d("队长：须已是本队成员（空：不设队长）", "the leader: "
                                                                                "one of the team's members (null: "
                                                                                "none)"))


class AllianceTeamMembersIn(StrictSchema):
    member_ids = fields.List(Id(), required=True, validate=validate.Length(1, 500), metadata=_d(
        "加入的成员（已在队中的略过）", "members to add (those in the team already are left as they are)"))


class AllianceTeamQuery(PageArgs):
    q = Text(50, metadata=_d("按名称查找", "search by name"))
    kind = fields.String(validate=validate.OneOf(list(vocab.TEAM_KINDS)))
    active = fields.Boolean(metadata=_d("在用 / 已停用", "active or deactivated"))
    sort = Sort("id", "name")


class AllianceTeamMemberOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    phone = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    skills = fields.List(fields.String(), metadata=_d("技能名称", "skills, by label"))
    joined_on = fields.Date(metadata=_d("入队日期", "in the team since"))
    leader = fields.Boolean()


class AllianceTeamOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    leader_member_id = fields.Integer(allow_none=True)
    leader_name = fields.String(allow_none=True, metadata=_d("队长姓名（管理员和活动组织者可见）",
                                                             "the leader's name (manager and organisers)"))
    member_count = Count(metadata=_d("成员数", "members"))
    created_by = fields.String()
    members = fields.List(fields.Nested(AllianceTeamMemberOut), allow_none=True, metadata=_d(
        "成员（仅队伍详情，管理员和活动组织者可见；列表中为空）", "the members (a team's page, manager and "
        "organisers; null in lists)"))
