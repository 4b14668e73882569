"""The ticket lifecycle as a state machine. Every transition is stored (history.py)."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    submitted = "submitted"  # 已提交
    accepted = "accepted"  # 已受理
    dispatched = "dispatched"  # 已派单
    on_site = "on_site"  # 已到场
    resolved = "resolved"  # 已办结
    closed = "closed"  # 已关闭（回访完成或超时自动关闭）
    reopened = "reopened"  # 重新打开（居民不满意）
    cancelled = "cancelled"  # 已取消


# action -> (states it may start from, resulting state)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "accept": (frozenset({Status.submitted, Status.reopened}), Status.accepted),
    "dispatch": (frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.reopened}), Status.dispatched),
    "arrive": (frozenset({Status.dispatched}), Status.on_site),
    "resolve": (frozenset({Status.accepted, Status.dispatched, Status.on_site}), Status.resolved),
    "close": (frozenset({Status.resolved}), Status.closed),
    "reopen": (frozenset({Status.resolved, Status.closed}), Status.reopened),
    "cancel": (frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.reopened}), Status.cancelled),
}

OPEN = frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.on_site, Status.reopened})


def allowed_actions(status: Status) -> list[str]:
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def target(action: str, status: Status) -> Status | None:
    """The state `action` leads to from `status`, or None when it is not allowed."""
    sources, result = TRANSITIONS[action]
    return result if status in sources else None
