"""The Idempotency-Key header in the OpenAPI document: a parameter of every POST operation that
takes a token (the header is ignored on public routes: guard.py), added as flask-smorest
registers each view, so a plugin's POST routes get it as the core's do."""

from __future__ import annotations

from apispec import BasePlugin

from ..api.access import is_not_replayed, is_public_view
from .guard import HEADER, METHODS, REPLAYED
from .models import KEY_LENGTH

COMPONENT = "IdempotencyKey"

DESCRIPTION = (
    "幂等键（可选）：重试同一请求时带上同一个键，服务器返回第一次的应答（响应头 "
    f"`{REPLAYED}: true`），不会重复写入。键属于调用者（租户与用户），默认保留 24 小时"
    "（WUYE_IDEMPOTENCY_TTL_HOURS）。同一个键用于不同的请求（路径或内容不同）：422；"
    "第一次请求尚未完成：等它完成后返回其应答（若该请求在保存部分数据后未能应答：409）；"
    "错误应答（>= 400）不保存，重试会重新执行。\n\n"
    "Idempotency key (optional): send a retry with the same key and the server answers it with "
    f"the first answer (header `{REPLAYED}: true`), writing nothing twice. A key belongs to the "
    "caller (tenant and user) and is kept 24 hours by default (WUYE_IDEMPOTENCY_TTL_HOURS). The same key "
    "for another request (another path or body): 422; while the first request still runs, the "
    "retry waits for it and gets its answer (409 if that request saved part of its work and then "
    "ended without an answer). Error answers (>= 400) are not kept: a retry runs again."
)


class IdempotencyKeyDoc(BasePlugin):
    def __init__(self, app):
        self.app = app

    def init_spec(self, spec):
        spec.components.parameter(COMPONENT, "header", {
            "name": HEADER, "required": False, "description": DESCRIPTION,
            "schema": {"type": "string", "minLength": 1, "maxLength": KEY_LENGTH, "pattern": "^[!-~]+$"},
            "example": "6f1c2a4e-8b1d-4c3e-9f00-2b7d5e9a1c44",
        })

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs):
        if operations is None or rule is None:
            return
        view = self.app.view_functions.get(rule.endpoint)
        if is_public_view(view) or is_not_replayed(view):
            return
        for method, operation in operations.items():
            if method.upper() in METHODS:
                operation.setdefault("parameters", []).append(COMPONENT)
