"""Needs handed to the alliance (a ticket, a care-visit referral, a resident's request) as tasks
offered to members with the skill."""

from __future__ import annotations


def ticket_links(community_id: int, ticket_id: int):
    return []


def on_plugin_event(event) -> None:
    return None
