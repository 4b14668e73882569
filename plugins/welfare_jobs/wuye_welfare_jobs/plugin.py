"""Hook implementations of the plugin `welfare_jobs` (失地农民公益岗位); see wuye's docs/plugins.md.

The package's modules, one concept each: posts, workers, placements, attendance (and its sheet
import, its phone clock-in), insurance, health checks, subsidies (and the claim sheet),
assessments, dispatch (tickets to a post's team), figures; `routes_*` are the API, `console_*`
the console's pages, `access` who may do what, `config` the per-community settings.
"""

from __future__ import annotations

from pathlib import Path

from wuye_core.plugins import PluginInfo, Role, hookimpl

from .access import MANAGER, NAME, TEAM_LEADER, WORKER
from .config import Config
from .models import (
    MODELS,
    Assessment,
    Attendance,
    HealthCheck,
    Placement,
    Policy,
    Post,
    Worker,
    WorkerDocument,
)


@hookimpl
def wuye_plugin_info():
    return PluginInfo(
        name=NAME,
        version="0.1.0",
        title_zh="失地农民公益岗位",
        title_en="Public-welfare jobs",
        description="Approved posts, the workers' files, time-limited placements and vacancy reports, "
        "attendance, insurance and health checks, monthly subsidies and the 花名册, yearly assessments, "
        "tickets for the posts' teams.",
        # 1.11: dispatch_ticket, community_tickets and the summaries' site_id/team/created_at (dispatch.py)
        api_version="1.11",
    )


@hookimpl
def wuye_blueprints():
    from .routes_assessments import blp as assessments
    from .routes_attendance import blp as attendance
    from .routes_health import blp as health_checks
    from .routes_insurance import blp as insurance
    from .routes_roster import blp as roster
    from .routes_subsidies import blp as subsidies
    from .routes_work import blp as work

    return [roster, attendance, insurance, health_checks, subsidies, assessments, work]


@hookimpl
def wuye_console():
    from .console import console_part

    return console_part()


@hookimpl
def wuye_route_objects():
    """What each id in the plugin's URLs names: the core gates every route by its community."""
    return {
        "post_id": Post,
        "worker_id": Worker,
        "placement_id": Placement,
        "attendance_id": Attendance,
        "policy_id": Policy,
        "check_id": HealthCheck,
        "assessment_id": Assessment,
        "document_id": WorkerDocument,
        "ticket_id": "ticket",
        "month": None,  # 2026-11: addresses nothing in a community
        "year": None,
        "filename": None,  # the console's stylesheet
    }


@hookimpl
def wuye_models():
    return list(MODELS)


@hookimpl
def wuye_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def wuye_config_schema():
    return Config


@hookimpl
def wuye_roles():
    # can_read/can_write concern the core register (and open the plugin's routes by community,
    # docs/plugins.md §2). The roster manager reads it (a worker is linked to the resident where
    # they live) and sees phones; a team leader reads it (their posts' pages are by community);
    # a worker does not: their phone pages are tenant-wide routes (`/me…`) that show only their own.
    return [
        Role(MANAGER, "公益岗管理员", "Roster manager", can_read=True, can_write=False, sees_personal_data=True),
        Role(TEAM_LEADER, "公益岗组长", "Team leader", can_read=True, can_write=False),
        Role(WORKER, "公益岗人员", "Public-welfare worker", can_read=False, can_write=False),
    ]


# --- tickets for the posts' teams (dispatch.py) ---------------------------------------------------


@hookimpl
def wuye_ticket_assigned(event):
    """Dispatched by anyone (the core's console with the team's text too): the post of that team
    holds it, any other team ends the post's record. Idempotent."""
    from . import dispatch

    dispatch.sync(event.object_id, event.community_id, event.actor)


@hookimpl
def wuye_ticket_transitioned(event):
    if event.data.get("to_status") in ("resolved", "closed", "cancelled"):
        from . import dispatch

        dispatch.close(event.object_id)


@hookimpl
def wuye_ticket_links(community_id, ticket_id):
    from .console_work import ticket_links

    return ticket_links(community_id, ticket_id)


# --- figures (figures.py) -------------------------------------------------------------------------


@hookimpl
def wuye_dashboard_figures(community_id, config):
    from .figures import dashboard_figures

    return dashboard_figures(community_id, config)


@hookimpl
def wuye_report_sections(community_id, period_start, period_end, config):
    from .figures import report_sections

    return report_sections(community_id, period_start, period_end, config)


# --- residents' rights (rights.py) -----------------------------------------------------------------


@hookimpl
def wuye_resident_personal_data(resident_ids):
    """A worker's file and placements, in the copy of the resident it links (rights.py)."""
    from .rights import personal_data

    return personal_data(resident_ids)


@hookimpl
def wuye_resident_erase(resident_ids):
    """The resident's deletion was approved: anonymise the worker's file it links (rights.py)."""
    from .rights import erase

    return erase(resident_ids)


# --- demo data (demo.py) --------------------------------------------------------------------------


@hookimpl
def wuye_demo_data(community_id, config, today):
    from .demo import add_demo_data

    add_demo_data(community_id, config, today)
