""" "5341" rapid response as this community's ticket SLA (hook `wuye_ticket_sla_policy`).

The core asks the plugins enabled in the ticket's community; while this plugin is on there and
`rapid_response.enabled` is set, its thresholds replace the community's own policy. Disable
either and new tickets (and re-prioritised ones) get the community's policy again.
"""

from __future__ import annotations

POLICY_NAME = "5341"


def policy(config: dict, priority: str) -> dict | None:
    rapid = config["rapid_response"]
    if not rapid["enabled"]:
        return None
    resolve = rapid.get(f"{priority}_resolve_minutes")
    if resolve is None:  # a priority the core added later: leave it to the community's policy
        return None
    return {"name": POLICY_NAME, "arrive_minutes": rapid["arrive_minutes"], "resolve_minutes": resolve}
