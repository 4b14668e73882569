"""A per-user budget for work that keeps a worker busy: starting a household import, building a
care brief. Counted in the login limits' storage (Redis when configured, flask-limiter's).

    throttle("imports")          # in a view, after the access checks and the input's checks

raises 429 with Retry-After when the caller started more than `WUYE_JOB_LIMIT_PER_USER`
("20 per hour") of that kind in the window; each kind has its own budget. Plugins get it through
the facade (wuye_core.plugins.throttle).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from flask import current_app
from flask_smorest import abort
from limits import RateLimitItem, parse

from ..extensions import limiter
from ..i18n import N_
from .access import current_identity

log = logging.getLogger(__name__)

TOO_MANY = N_("You have started too many of these jobs recently (at most %(amount)s in %(minutes)s minutes); "
              "please try again in %(seconds)s seconds.")


@lru_cache(maxsize=16)
def _item(limit: str) -> RateLimitItem:
    return parse(limit)


def throttle(kind: str, limit: str | None = None) -> None:
    """Count one `kind` of job started by the calling user; 429 past `limit` (default: the
    `job_limit_per_user` setting). When the storage cannot be reached the job is let through
    (logged), as the login limits are: Redis away must not stop the work."""
    settings = current_app.config["WUYE"]
    item = _item(limit or settings.job_limit_per_user)
    identity = current_identity()
    keys = (settings.rate_limit_prefix, "jobs", kind, str(identity.tenant_id or "-"), str(identity.user_id))
    try:
        allowed = limiter.limiter.hit(item, *keys)
        if allowed:
            return
        reset = limiter.limiter.get_window_stats(item, *keys).reset_time
    except Exception:  # the storage is away: let the job through
        log.warning("job throttle storage unreachable; %s not counted", kind, exc_info=True)
        return
    seconds = max(1, int(reset - time.time() + 0.999))
    minutes = max(1, item.get_expiry() // 60)
    abort(429, message=N_(TOO_MANY, amount=item.amount, minutes=minutes, seconds=seconds),
          headers={"Retry-After": str(seconds)})
