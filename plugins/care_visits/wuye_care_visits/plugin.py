"""Hook implementations of the plugin `care_visits` (走访困难群众 · 关爱档案); see wuye's docs/plugins.md."""

from __future__ import annotations

from pathlib import Path

import click
from flask import has_request_context
from flask.cli import with_appcontext
from sqlalchemy import select

from wuye_core.plugins import Link, PluginInfo, Role, db, hookimpl

from .access import NAME, SUPERVISOR, WORKER, holds_care_role
from .models import MODELS, CareBrief, CarePerson, CarePhoto, CarePlanItem, CareReferral, CareVisit
from .schemas import Config


@hookimpl
def wuye_plugin_info():
    return PluginInfo(
        name=NAME,
        version="0.1.0",
        title_zh="走访困难群众 · 关爱档案",
        title_en="Care visits",
        description="Care register, visit plans and records, risk alerts, referrals, briefs; "
        "seen only by care workers, encrypted and audited.",
        # 1.5: Role.sees_personal_data, mask_phone, XlsxWriter, record_audit, throttle;
        # 1.6: staff_names, download_name, download_response, register_resident, record_audit "amended", paginate
        # 1.7: wuye_console (the console's pages, menu entry and dashboard panel: console.py)
        # 1.10: a resident's copy of their care record, and its erasure on their request (rights.py)
        api_version="1.10",
    )


@hookimpl
def wuye_blueprints():
    from .routes_briefs import blp as briefs
    from .routes_people import blp as people
    from .routes_plans import blp as plans
    from .routes_visits import blp as visits

    return [people, visits, plans, briefs]


@hookimpl
def wuye_console():
    from .console import console_part

    return console_part()


@hookimpl
def wuye_route_objects():
    """What each id in the plugin's URLs names: the core gates every route by its community
    (a brief without one is the tenant's); access.gate then adds the care role."""
    return {
        "person_id": CarePerson,
        "visit_id": CareVisit,
        "referral_id": CareReferral,
        "photo_id": CarePhoto,
        "plan_item_id": CarePlanItem,
        "brief_id": CareBrief,
        "filename": None,  # the console's stylesheet (console.py): addresses nothing in a community
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
    # can_read/can_write concern the core register; care data is checked by access.py.
    # sees_personal_data: residents' phones and sensitive tags in the core register. The care
    # worker visits people at home and calls ahead: yes. The supervisor plans and reviews: no —
    # they see one person's phone in the care record, where opening it is audited.
    return [
        Role(WORKER, "关爱走访员", "Care worker", can_read=True, can_write=False, sees_personal_data=True),
        Role(SUPERVISOR, "关爱主管", "Care supervisor", can_read=True, can_write=False),
    ]


@hookimpl
def wuye_jobs():
    from .brief import build_brief

    return {"build_brief": build_brief}


def _caller_cares(community_id: int) -> bool:
    """Only in a request by a care role holder: everyone else sees nothing of care data."""
    if not has_request_context():
        return False
    from wuye_core.plugins import current_identity

    identity = current_identity()
    return not identity.is_operator and holds_care_role(identity, community_id)


@hookimpl
def wuye_dashboard_figures(community_id):
    if not _caller_cares(community_id):
        return []
    from .figures import care_figures

    return care_figures(community_id)


@hookimpl
def wuye_ticket_links(community_id, ticket_id):
    if not _caller_cares(community_id):
        return []
    visit_id = db.session.scalar(select(CareVisit.id).where(CareVisit.ticket_id == ticket_id))
    if visit_id is None:
        return []
    return [
        Link(
            f"care_visit:{visit_id}",
            "关爱走访记录",
            "Care visit record",
            f"/api/v1/plugins/{NAME}/visits/{visit_id}",
        )
    ]


@hookimpl
def wuye_plugin_event(event):
    """The residents' service alliance (plugin volunteers) finished or cancelled the task of a
    referral to it: the referral resolved or declined (service.alliance_reported)."""
    if event.name.startswith("volunteers."):
        from .service import alliance_reported

        alliance_reported(event)


@hookimpl
def wuye_resident_personal_data(resident_ids):
    """The resident's care record, visits and referrals, for their copy (rights.py)."""
    from .rights import personal_data

    return personal_data(resident_ids)


@hookimpl
def wuye_resident_erase(resident_ids):
    """The resident's deletion request was approved: erase their care record (rights.py)."""
    from .rights import erase

    return erase(resident_ids)


@hookimpl
def wuye_demo_data(community_id, config, today):
    from .demo import add_demo_data

    add_demo_data(community_id, config, today)


@hookimpl
def wuye_cli_commands():
    @click.command("purge-access-log")
    @with_appcontext
    @click.option(
        "--years",
        type=click.IntRange(min=3),
        default=3,
        show_default=True,
        help="保留年限（至少 3 年）/ retention in years (at least 3)",
    )
    def purge_access_log(years):
        """删除超过保留期的访问审计记录 / Delete access-log rows older than the retention."""
        from .retention import purge

        click.echo(f"deleted {purge(years)} access-log rows older than {years} years")

    return [purge_access_log]
