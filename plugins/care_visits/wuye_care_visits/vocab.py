"""The plugin's fixed vocabularies: codes in the API and the database; labels (English msgids of
the plugin's catalog) for people, translated where shown (`label`).

Difficulty types, needs and help are stored as bit masks (bit i = the i-th code below), so the
brief counts them with one SQL aggregate each, on SQLite and PostgreSQL alike. Append new codes
at the end only: a code's position is its bit.
"""

from __future__ import annotations

from .i18n import N_

DIFFICULTIES = {  # source 002: 困难类型
    "elderly": N_("Elderly"),
    "illness": N_("Illness"),
    "disability": N_("Disability"),
    "widowed_childless": N_("Widowed / childless"),
    "living_alone": N_("Living alone"),
    "economic": N_("Economic hardship"),
    "single_parent": N_("Single parent"),
    "mental_disorder": N_("Mental disorder"),
    "schooling": N_("Children's schooling"),
}
NEEDS = {  # 主要诉求
    "medical": N_("Medical care"),
    "schooling": N_("Schooling"),
    "employment": N_("Employment"),
    "housing": N_("Housing"),
    "bills": N_("Utility bills"),
    "daily_goods": N_("Daily necessities"),
    "loneliness": N_("Loneliness"),
    "repairs": N_("Home repairs"),
    "other": N_("Other"),
}
HELP = {  # 物业内部帮扶措施
    "fee_relief": N_("Fee relief"),
    "repairs": N_("Repairs"),
    "neighbours": N_("Neighbour care"),
    "job_info": N_("Job information"),
    "comfort": N_("Emotional support"),
    "goods": N_("Daily goods"),
    "other": N_("Other"),
}
BODIES = {  # 外部资源对接 (referrals)
    "residents_committee": N_("Residents' committee"),
    "civil_affairs": N_("Civil-affairs office"),
    "charity": N_("Charity"),
    "social_workers": N_("Social workers"),
    "legal_aid": N_("Legal aid"),
    "medical": N_("Medical"),
    # the residents' service alliance (the volunteers plugin): a referral there becomes a task for its
    # members with the skill (the plugin hears `care_visits.referral_opened`); when it is done or
    # cancelled the plugin's event `volunteers.task_done` / `task_cancelled` closes the referral
    # (service.alliance_reported). Plugins never import each other: events only.
    "volunteers": N_("Residents' service alliance"),
}
RISK_LEVELS = ["none", "low", "medium", "high"]
RISK_LABELS = {"none": N_("None"), "low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
RISKS = {"health": N_("Health"), "safety": N_("Safety"), "social": N_("Social")}
OUTCOMES = {
    "visited": N_("Visited"),
    "not_home": N_("Not at home"),
    "refused": N_("Refused"),
}
LEVELS = ["A", "B", "C"]
REFERRAL_STATES = {
    "open": N_("Open"),
    "accepted": N_("Accepted"),
    "resolved": N_("Resolved"),
    "declined": N_("Declined"),
}
# allowed referral transitions (anything else is a 409)
REFERRAL_NEXT = {
    "open": {"accepted", "resolved", "declined"},
    "accepted": {"resolved", "declined"},
    "resolved": set(),
    "declined": set(),
}


def label(vocabulary: dict, code: str) -> str:
    """A code's label in the current language."""
    return vocabulary[code].translate()


def to_flags(codes: list[str], vocabulary: dict) -> int:
    keys = list(vocabulary)
    return sum(1 << keys.index(c) for c in set(codes))


def from_flags(flags: int, vocabulary: dict) -> list[str]:
    return [code for i, code in enumerate(vocabulary) if flags & (1 << i)]
