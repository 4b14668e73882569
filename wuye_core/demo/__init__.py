"""Demo data modelled on 径河街 (Jinghe subdistrict), from the domain sources, plus a company.

Idempotent: tenants, users and communities that exist are left as they are; a community's
register is generated only when the community is new; the service link between the company and the
street (demo/links.py) is made once, and so are the hand-offs over it (demo/handoffs.py). Deterministic (seeded), so every
newcomer sees the same data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from ..auth.models import PlatformOperator, StaffUser
from ..extensions import db
from ..households.models import Building, Community, Household, HouseholdKind, Resident, Site, SiteKind, Unit
from ..staff.service import create_operator, create_user
from ..tenancy import Tenant, tenant_context
from .handoffs import load_demo_handoffs
from .links import load_demo_links
from .residents import load_demo_notices_and_disclosures
from .tickets import load_demo_tickets

# The tenants, communities and sites come from the files in tenants/ (applied like any rollout);
# here only the people, the register inside each site, and the tickets are generated.
TENANT_FILES = ("example-subdistrict.yaml", "example-company.yaml")
TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"

USERS = {
    "jinghe": [
        ("admin", "jinghe-admin-2026", "tenant_admin", []),
        ("daoxiang", "daoxiang-staff-2026", "community_staff", ["daoxiang"]),
        ("viewer", "jinghe-view-2026", "readonly", []),
        ("weixiu", "jinghe-repair-2026", "worker", ["daoxiang"]),  # a repair worker of the team 维修班
        # roles that plugins add: created only where the plugin is installed
        ("guanai", "jinghe-care-2026", "care_worker", ["daoxiang", "sandian"]),
        ("lianluo", "jinghe-liaison-2026", "red_property_liaison", ["daoxiang", "haijingbei"]),
        # 失地农民公益岗位: the roster manager, a team leader of 稻香's posts, a worker's own sign-in
        ("gongyi", "jinghe-welfare-2026", "welfare_jobs_manager", ["daoxiang", "haijingbei", "sandian"]),
        ("zuzhang", "jinghe-leader-2026", "welfare_jobs_team_leader", ["daoxiang"]),
        ("gongyi01", "jinghe-worker-2026", "welfare_jobs_worker", ["daoxiang"]),
        # 居民服务联盟 of 海景北 (90 serving party members, 280 volunteers): its manager and an activity organiser
        ("lianmeng", "jinghe-alliance-2026", "volunteers_manager", ["haijingbei"]),
        ("zuzhi", "jinghe-organiser-2026", "volunteers_organiser", ["haijingbei"]),
        # 物业费 of the street's compounds (0.45 元/㎡): the fee manager (收费主管) and a cashier at 稻香's window
        ("caiwu", "jinghe-fees-2026", "fees_manager", ["daoxiang", "sandian"]),
        ("shoufei", "jinghe-cashier-2026", "fees_cashier", ["daoxiang"]),
    ],
    "xinghe": [
        ("admin", "xinghe-admin-2026", "tenant_admin", []),
        ("staff", "xinghe-staff-2026", "community_staff", ["xinghe-01"]),
    ],
}

TEAMS = {"weixiu": "维修班",  # the demo tickets dispatched to a team go to 维修班 (demo/tickets.py)
         "gongyi01": "公益岗·稻香苑·保洁"}  # the post's team (plugins/welfare_jobs demo.py DEMO_WORKER_TEAM)

# buildings, floors, rooms per floor, by kind of site (a village: lanes of houses)
SHAPES = {
    SiteKind.compound: (3, 11, 2), SiteKind.resettlement: (3, 6, 2), SiteKind.old: (1, 5, 2),
    SiteKind.abandoned: (4, 6, 2), SiteKind.village: (2, 1, 12), SiteKind.other: (1, 4, 2),
}

OPERATOR = ("operator", "platform-operator-2026")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕凤梅琴云莲珍建国志明春梅海燕小红德明"
TAGS = ["党员", "业委会", "网格员", "志愿者", "低保户", "独居老人"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _add_residents(rng: random.Random, household: Household, count: int) -> None:
    for _ in range(count):
        resident = Resident(
            community_id=household.community_id, site_id=household.site_id,
            building_id=household.building_id, household_id=household.id,
            name=_name(rng), phone=_phone(rng), gender=rng.choice(("male", "female")),
            birth_year=rng.randint(1940, 2020),
        )
        resident.tags = rng.sample(TAGS, k=rng.choice((0, 0, 0, 1, 1, 2)))
        db.session.add(resident)


def _build_site(rng: random.Random, site: Site) -> None:
    kind = site.kind
    buildings, floors, per_floor = SHAPES[kind]
    community = db.session.get(Community, site.community_id)
    for b in range(1, buildings + 1):
        building = Building(community_id=community.id, site_id=site.id,
                            name=f"{b}组" if kind is SiteKind.village else f"{b}栋", floors=floors)
        db.session.add(building)
        db.session.flush()
        for floor in range(1, floors + 1):
            for room in range(1, per_floor + 1):
                unit = Unit(community_id=community.id, site_id=site.id, building_id=building.id,
                            entrance="1", floor=floor, number=f"{floor}{room:02d}" if floors > 1 else f"{room}号",
                            area_m2=round(rng.uniform(55, 140), 2))
                db.session.add(unit)
                db.session.flush()
                kind_ = rng.choices(list(HouseholdKind), weights=(7, 2, 1))[0]
                household = Household(community_id=community.id, site_id=site.id, building_id=building.id,
                                      unit_id=unit.id, kind=kind_,
                                      moved_in_on=date(2015, 1, 1) + timedelta(days=rng.randint(0, 3500)))
                db.session.add(household)
                db.session.flush()
                if kind_ is not HouseholdKind.vacant:
                    _add_residents(rng, household, rng.randint(1, 4))


def _users(slug: str) -> list[tuple]:
    """The demo users of a tenant whose role exists here (a plugin's role needs the plugin)."""
    from ..auth.roles import role_permissions

    return [user for user in USERS[slug] if role_permissions(user[2]) is not None]


def _populate(slug: str) -> dict:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    rng = random.Random(slug)
    with tenant_context(tenant.id):
        for site in db.session.scalars(select(Site).order_by(Site.id)).all():
            if db.session.scalar(select(Building.id).where(Building.site_id == site.id).limit(1)) is None:
                _build_site(rng, site)
        codes = dict(db.session.execute(select(Community.code, Community.id)).all())
        for username, password, role, communities in _users(slug):
            if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
                grants = [{"role": role, "community_id": codes[c]} for c in communities] or [{"role": role}]
                create_user(username, password, grants, display_name=username, team=TEAMS.get(username))
        db.session.commit()
        load_demo_tickets(rng)
        residents = _residents_to_sign_in(slug)
        for community_id in dict.fromkeys(r["community_id"] for r in residents):  # their page is not empty
            load_demo_notices_and_disclosures(
                community_id, [r["household_id"] for r in residents if r["community_id"] == community_id])
    return {
        "slug": slug, "name": tenant.name,
        "users": [{"username": u, "password": p, "role": r} for u, p, r, _ in _users(slug)],
        "residents": residents,
    }


def _residents_to_sign_in(slug: str, count: int = 2) -> list[dict]:
    """Residents of different households whose phone no other resident of the tenant has: who a
    demo (or a browser test) signs in as on the residents' page (a code: `wuye residents code`), and
    the address of their community's page (`h5_path`, the gate poster's link)."""
    from sqlalchemy import func

    from ..households.models import Resident
    from ..resident_access.community_links import community_path
    from ..tenancy import require_tenant_id

    shared = select(Resident.phone).where(Resident.phone.is_not(None)).group_by(Resident.phone) \
        .having(func.count() > 1)
    rows = db.session.execute(
        select(Resident.name, Resident.phone, Resident.household_id, Resident.community_id)
        .where(Resident.phone.is_not(None), Resident.duplicate_of.is_(None), Resident.phone.not_in(shared))
        .order_by(Resident.id)).all()
    found, households = [], set()
    for name, phone, household_id, community_id in rows:
        if household_id not in households:
            households.add(household_id)
            found.append({"name": name, "phone": phone, "household_id": household_id, "community_id": community_id,
                          "h5_path": community_path(slug, require_tenant_id(), community_id)})
        if len(found) == count:
            break
    return found


def _plugin_demo(slug: str) -> None:
    """Each enabled plugin adds its demo data to each community (hook `wuye_demo_data`)."""
    from ..host import enablement
    from ..host.dispatch import call_uncontained, host

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    with tenant_context(tenant.id):
        for community_id in db.session.scalars(select(Community.id).order_by(Community.id)).all():
            configs = enablement.community_configs(host(), community_id)
            call_uncontained("wuye_demo_data", community_id, per_plugin=lambda name, c=configs: {"config": c.get(name, {})},
                             tenant_id=tenant.id, community_id=community_id, today=date.today())
            db.session.commit()


def load_demo(tenants_dir: Path = TENANTS_DIR) -> dict:
    from flask import current_app

    from ..events.edge import unit_of_work
    from ..rollout.document import load
    from ..rollout.plan import Rollout

    slugs = []
    for name in TENANT_FILES:
        desired = load(tenants_dir / name, current_app.extensions["wuye_plugins"])
        with unit_of_work():  # one transaction per tenant file
            Rollout(desired, actor="wuye demo").apply()
        slugs.append(desired.slug)
    tenants = [_populate(slug) for slug in slugs]
    service_links = load_demo_links()  # before the plugins' data: theirs may name the company by its link
    handoffs = load_demo_handoffs(service_links)  # over those links, one each way (demo/handoffs.py)
    for slug in slugs:
        _plugin_demo(slug)
    username, password = OPERATOR
    if db.session.scalar(select(PlatformOperator.id).where(PlatformOperator.username == username)) is None:
        create_operator(username, password)  # the password policy applies to the demo too
        db.session.commit()
    return {"tenants": tenants, "operator": {"username": username, "password": password},
            "service_links": service_links, "handoffs": handoffs}
