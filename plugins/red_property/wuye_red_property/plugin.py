"""Hook implementations of 红色物业 · 三方联动 (see wuye's docs/plugins.md)."""

from __future__ import annotations

from pathlib import Path

from flask import has_request_context, request, url_for

from wuye_core.plugins import Link, PluginInfo, Role, Schedule, Site, hookimpl, services

from . import agenda, console, coverage, exports, integration, liaison, meetings, resolutions, sla
from . import demo as demo_data
from . import figures as dashboard
from .common import NAME, config
from .config import RedPropertyConfig
from .jobs import DAY, JOBS
from .models import (
    MODELS,
    AgendaItem,
    Agreement,
    DualPost,
    Meeting,
    Participant,
    Problem,
    Resolution,
    SharedService,
    Visit,
)


@hookimpl
def wuye_plugin_info():
    return PluginInfo(
        name=NAME,
        version="0.1.0",
        title_zh="红色物业 · 三方联动",
        title_en="Red property joint governance",
        description="三方联席会议、议题与决议跟进、三方联动专员走访、“5341”快速响应、共建协议与全覆盖、"
        "社区物业一体化 / Joint meetings, agenda and resolutions, liaison visits, "
        "5341 rapid response, co-building agreements and coverage, integration.",
        # 1.7: the console's pages (wuye_console); 1.6: staff_names, download_name, paginate, Sort. It also
        # uses service_links() (facade API 1.8, on main while HOOK_API_VERSION still says 1.7): say "1.8"
        # here once the core's HOOK_API_VERSION is 1.8, not before (the host refuses a newer target)
        api_version="1.8",
    )


@hookimpl
def wuye_blueprints():
    return [
        meetings.blp,
        agenda.blp,
        resolutions.blp,
        liaison.blp,
        coverage.blp,
        integration.blp,
        exports.blp,
    ]


@hookimpl
def wuye_console():
    return console.part()


@hookimpl
def wuye_route_objects():
    """What each id in the plugin's URLs names: the core gates every route by its community."""
    return {
        "meeting_id": Meeting,
        "participant_id": Participant,
        "agenda_item_id": AgendaItem,
        "resolution_id": Resolution,
        "visit_id": Visit,
        "problem_id": Problem,
        "agreement_id": Agreement,
        "dual_post_id": DualPost,
        "shared_service_id": SharedService,
        "site_id": Site,
        "ticket_id": "ticket",
    }


@hookimpl
def wuye_models():
    return MODELS


@hookimpl
def wuye_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def wuye_config_schema():
    return RedPropertyConfig


@hookimpl
def wuye_roles():
    # Liaison officers bring a compound's problems to the joint meeting; they reach residents
    # through tickets and the community, not by their own calls: phone numbers and sensitive
    # tags of the register stay masked for them (Role.sees_personal_data left False).
    return [Role(liaison.LIAISON_ROLE, "三方联动专员", "Liaison officer", can_read=True, can_write=False)]


@hookimpl
def wuye_jobs():
    return JOBS


@hookimpl
def wuye_schedules():
    return [
        Schedule("overdue_resolutions", "mark_overdue_resolutions", DAY),
        Schedule("schedule_meetings", "schedule_meetings", DAY),
    ]


@hookimpl
def wuye_ticket_sla_policy(community_id, priority):
    return sla.policy(config(community_id), priority)


@hookimpl
def wuye_handoff_progressed(event):
    """A resolution handed to a linked company: its progress, as follow-ups in the ledger."""
    resolutions.handoff_progressed(event.data)


@hookimpl
def wuye_ticket_links(community_id, ticket_id):
    """The agenda items the ticket became. At the console (its ticket page shows links into
    /console/ as links) they lead to the plugin's page of the ticket at the joint meeting, and a
    user who may write in the community is offered to escalate an open ticket there; the API's
    links are the agenda items' API addresses."""
    items = agenda.ticket_items(ticket_id)
    at_console = has_request_context() and request.path.startswith("/console/")
    page = url_for(console.endpoint("ticket_escalation"), ticket_id=ticket_id) if at_console else None
    links = [
        Link(
            f"agenda_item:{item.id}",
            f"已列入三方联席会议议题（{agenda.STATUS_ZH[item.status]}）",
            f"On the joint meeting agenda ({item.status})",
            page or f"/api/v1/plugins/{NAME}/agenda-items/{item.id}",
        )
        for item in items
    ]
    if at_console and not any(item.status != "closed" for item in items) and console.may_write(community_id):
        ticket = services.ticket_summary(ticket_id)
        if ticket and ticket["status"] not in ("closed", "cancelled"):
            links.append(Link("escalate", "升级到三方联席会议", "Escalate to the joint meeting", page))
    return links


@hookimpl
def wuye_dashboard_figures(community_id, config):
    return dashboard.figures(community_id)


@hookimpl
def wuye_report_sections(community_id, period_start, period_end):
    return dashboard.report_sections(community_id, period_start, period_end)


@hookimpl
def wuye_demo_data(community_id, config, today):
    demo_data.build(community_id, config, today)
