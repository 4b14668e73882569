"""The plugin's fixed vocabularies (codes in the API and the database, labels zh / en for people).

Difficulty types, needs and help are stored as bit masks (bit i = the i-th code below), so the
brief counts them with one SQL aggregate each, on SQLite and PostgreSQL alike. Append new codes
at the end only: a code's position is its bit.
"""

from __future__ import annotations

DIFFICULTIES = {  # source 002: 困难类型
    "elderly": ("高龄", "Elderly"),
    "illness": ("疾病", "Illness"),
    "disability": ("残疾", "Disability"),
    "widowed_childless": ("孤寡", "Widowed / childless"),
    "living_alone": ("独居", "Living alone"),
    "economic": ("经济困难", "Economic hardship"),
    "single_parent": ("单亲", "Single parent"),
    "mental_disorder": ("精神障碍", "Mental disorder"),
    "schooling": ("子女教育困难", "Children's schooling"),
}
NEEDS = {  # 主要诉求
    "medical": ("看病难", "Medical care"),
    "schooling": ("子女上学难", "Schooling"),
    "employment": ("就业难", "Employment"),
    "housing": ("住房条件差", "Housing"),
    "bills": ("水电费压力大", "Utility bills"),
    "daily_goods": ("生活用品缺乏", "Daily necessities"),
    "loneliness": ("精神孤独", "Loneliness"),
    "repairs": ("家中维修", "Home repairs"),
    "other": ("其他", "Other"),
}
HELP = {  # 物业内部帮扶措施
    "fee_relief": ("减免物业费", "Fee relief"),
    "repairs": ("上门维修", "Repairs"),
    "neighbours": ("协调邻里关怀", "Neighbour care"),
    "job_info": ("提供就业信息", "Job information"),
    "comfort": ("心理慰藉", "Emotional support"),
    "goods": ("生活物资", "Daily goods"),
    "other": ("其他", "Other"),
}
BODIES = {  # 外部资源对接 (referrals)
    "residents_committee": ("社区居委会", "Residents' committee"),
    "civil_affairs": ("街道民政办", "Civil-affairs office"),
    "charity": ("慈善机构", "Charity"),
    "social_workers": ("专业社工组织", "Social workers"),
    "legal_aid": ("法律援助中心", "Legal aid"),
    "medical": ("医疗机构", "Medical"),
}
RISK_LEVELS = ["none", "low", "medium", "high"]
RISK_LABELS = {"none": "无", "low": "低", "medium": "中", "high": "高"}
RISKS = {"health": ("健康风险", "Health"), "safety": ("安全风险", "Safety"), "social": ("社会风险", "Social")}
OUTCOMES = {
    "visited": ("已走访", "Visited"),
    "not_home": ("不在家", "Not at home"),
    "refused": ("拒绝走访", "Refused"),
}
LEVELS = ["A", "B", "C"]
REFERRAL_STATES = {
    "open": ("已转介", "Open"),
    "accepted": ("已受理", "Accepted"),
    "resolved": ("已解决", "Resolved"),
    "declined": ("未受理", "Declined"),
}
# allowed referral transitions (anything else is a 409)
REFERRAL_NEXT = {
    "open": {"accepted", "resolved", "declined"},
    "accepted": {"resolved", "declined"},
    "resolved": set(),
    "declined": set(),
}


def to_flags(codes: list[str], vocabulary: dict) -> int:
    keys = list(vocabulary)
    return sum(1 << keys.index(c) for c in set(codes))


def from_flags(flags: int, vocabulary: dict) -> list[str]:
    return [code for i, code in enumerate(vocabulary) if flags & (1 << i)]
