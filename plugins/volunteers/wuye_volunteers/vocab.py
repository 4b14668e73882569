"""The plugin's vocabularies: codes are stored, labels (English msgids, Chinese in the catalog)
are shown in the reader's language. Order = the order of the forms' choices."""

from __future__ import annotations

from .i18n import N_

MEMBER_KINDS = {
    "volunteer": N_("Volunteer"),  # 志愿者
    "party_member": N_("Serving party member"),  # 在职党员 (reports to the community where they live)
    "professional": N_("Professional"),  # 专业人士 (doctor, lawyer…) serving as a volunteer
}
MEMBER_STATUSES = {"active": N_("Active"), "left": N_("Left")}

# 技能: what needs are matched on (a task's skill → members with it)
SKILLS = {
    "medical": N_("Health care"),  # 医疗卫生
    "legal": N_("Legal advice"),  # 法律咨询
    "electrical_repair": N_("Electrical repair"),  # 电器修理
    "plumbing": N_("Plumbing"),  # 水管维修
    "sewing": N_("Sewing"),  # 缝纫
    "haircut": N_("Haircut"),  # 理发
    "elderly_care": N_("Care for the elderly"),  # 助老陪护
    "tutoring": N_("Tutoring"),  # 课业辅导
    "psychology": N_("Counselling"),  # 心理疏导
    "cleaning": N_("Cleaning"),  # 环境保洁
    "patrol": N_("Safety patrol"),  # 治安巡逻
    "mediation": N_("Mediation"),  # 矛盾调解
    "culture": N_("Culture and sports"),  # 文体活动
    "it": N_("Phones and computers"),  # 智能手机教学
    "other": N_("Other"),
}
SKILL_LEVELS = {"basic": N_("Basic"), "skilled": N_("Skilled"), "expert": N_("Expert")}
LEVEL_ORDER = ["basic", "skilled", "expert"]

# 可服务时间
AVAILABILITY = {
    "weekday_morning": N_("Weekday mornings"),
    "weekday_afternoon": N_("Weekday afternoons"),
    "weekday_evening": N_("Weekday evenings"),
    "weekend": N_("Weekends"),
    "on_call": N_("On call"),
}

TEAM_KINDS = {
    "environment": N_("Environment"),  # 环保督导队 (the weekly clean-up)
    "patrol": N_("Safety patrol"),  # 治安巡逻队
    "care": N_("Care and help"),  # 关爱帮扶队
    "professional": N_("Professional services"),  # 医疗、法律等专业服务队
    "culture": N_("Culture"),  # 文体队
    "other": N_("Other"),
}

ACTIVITY_STATUSES = {"open": N_("Open"), "cancelled": N_("Cancelled"), "confirmed": N_("Hours confirmed")}
SIGNUP_STATUSES = {"confirmed": N_("Signed up"), "waiting": N_("Waiting list"), "cancelled": N_("Cancelled")}

RECORD_SOURCES = {"activity": N_("Activity"), "task": N_("Task"), "manual": N_("Entered by staff")}
EVALUATIONS = {"excellent": N_("Excellent"), "good": N_("Good"), "fair": N_("Fair")}

TASK_SOURCES = {
    "ticket": N_("Ticket"),  # a ticket staff marked for the alliance
    "care_referral": N_("Care-visit referral"),  # the care_visits plugin's referral to the alliance
    "request": N_("Resident's request"),  # taken at the window or on the phone
}
TASK_STATUSES = {"offered": N_("Offered"), "accepted": N_("Accepted"), "done": N_("Done"),
                 "cancelled": N_("Cancelled")}
# allowed task moves (anything else is a 409 naming the status)
TASK_NEXT = {
    "offered": {"accepted", "cancelled"},
    "accepted": {"done", "offered", "cancelled"},  # back to offered: the member gave it up
    "done": set(),
    "cancelled": set(),
}

LEDGER_KINDS = {
    "earn": N_("Earned by service"),  # hours of a confirmed service record converted
    "spend": N_("Spent on a service"),  # a service from another member (care for a relative…)
    "adjust": N_("Adjustment"),  # a correction by the alliance's manager
}


def label(vocabulary: dict, code: str | None) -> str:
    """A code's label in the current language ('' for None, the code itself if unknown)."""
    if code is None:
        return ""
    found = vocabulary.get(code)
    return found.translate() if found is not None else code
