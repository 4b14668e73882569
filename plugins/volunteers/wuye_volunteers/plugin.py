"""Hook implementations of the plugin `volunteers` (居民服务联盟 · 志愿服务); see wuye's docs/plugins.md.

The package's modules, one concept each: the alliance (`alliance`), members and their skills
(`members`, `members_sheet` for the Excel list and import), teams (`teams`), activities and their
series (`activities`, `series`), sign-ups and the waiting list (`signups`), check-in (`checkin`),
confirming an activity's hours (`hours`), service records and their corrections (`records`,
`record_corrections`), certificates (`certificates`), the yearly hours and the 在职党员 report
(`yearly`, `party_report`), tasks from needs and their candidates (`tasks`, `matching`), trainings
(`training`), the time bank (`time_bank`), figures (`figures`); `routes_*` are the API,
`console_*` the console's pages, `resident` the members' phone pages, `access` who may do what,
`config` the per-community settings, `rights` residents' copies and erasures, `demo` demo data.
"""

from __future__ import annotations

from pathlib import Path

from wuye_core.plugins import PluginInfo, Role, hookimpl

from .access import MANAGER, NAME, ORGANISER
from .config import Config
from .models import (
    MODELS,
    Activity,
    Certificate,
    LedgerEntry,
    Member,
    Series,
    ServiceRecord,
    Signup,
    Task,
    Team,
    Training,
)

# each area's API blueprint (routes_<area>.blp)
ROUTE_MODULES = ("routes_members", "routes_activities", "routes_records", "routes_tasks", "routes_training",
                 "routes_time_bank")


@hookimpl
def wuye_plugin_info():
    return PluginInfo(
        name=NAME,
        version="0.1.0",
        title_zh="居民服务联盟",
        title_en="Volunteer alliance",
        description="Members with skills and teams, activities with sign-up, waiting list and QR check-in, "
        "confirmed service hours and certificates, the 在职党员 report, needs matched to skilled members, "
        "trainings, an optional time bank.",
        api_version="1.12",
    )


@hookimpl
def wuye_blueprints():
    from importlib import import_module

    return [import_module(f".{module}", __package__).blp for module in ROUTE_MODULES]


@hookimpl
def wuye_console():
    from .console import console_part

    return console_part()


@hookimpl
def wuye_resident_pages():
    """The members' own pages on their phones (/h5/plugins/volunteers: my hours, activities, the QR
    code's check-in, tasks) and their entry 志愿服务 in the residents' navigation (resident.py)."""
    from .resident import resident_part

    return resident_part()


@hookimpl
def wuye_route_objects():
    """What each id in the plugin's URLs names: the core gates every route by its community."""
    return {
        "member_id": Member,
        "team_id": Team,
        "series_id": Series,
        "activity_id": Activity,
        "signup_id": Signup,
        "record_id": ServiceRecord,
        "certificate_id": Certificate,
        "task_id": Task,
        "training_id": Training,
        "entry_id": LedgerEntry,
        "ticket_id": "ticket",
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
    # can_read concerns the core register (and opens the plugin's routes by community, docs/plugins.md
    # §2): both read it (a member is linked to the resident where they live). Members themselves are
    # residents and use the residents' pages, not a staff role.
    return [
        Role(MANAGER, "联盟管理员", "Alliance manager", can_read=True, can_write=False, sees_personal_data=True),
        Role(ORGANISER, "活动组织者", "Activity organiser", can_read=True, can_write=False),
    ]


# --- series made ahead (series.py) -----------------------------------------------------------------


@hookimpl
def wuye_jobs():
    from .series import JOBS

    return JOBS


@hookimpl
def wuye_schedules():
    from .series import SCHEDULES

    return SCHEDULES


# --- needs handed to the alliance (tasks.py) ------------------------------------------------------


@hookimpl
def wuye_ticket_links(community_id, ticket_id):
    from .tasks import ticket_links

    return ticket_links(community_id, ticket_id)


@hookimpl
def wuye_plugin_event(event):
    """A care-visit referral to the alliance becomes a task (tasks.py)."""
    from .tasks import on_plugin_event

    on_plugin_event(event)


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
def wuye_resident_personal_data(phone, resident_ids):
    """A member's file and service records, in the copy of the resident it links; the requests they
    made by phone (rights.py)."""
    from .rights import personal_data

    return personal_data(resident_ids, phone)


@hookimpl
def wuye_resident_erase(phone, resident_ids):
    """The resident's deletion was approved: anonymise the member it links, and their requests (rights.py)."""
    from .rights import erase

    return erase(resident_ids, phone)


# --- demo data (demo.py) --------------------------------------------------------------------------


@hookimpl
def wuye_demo_data(community_id, config, today):
    from .demo import add_demo_data

    add_demo_data(community_id, config, today)
