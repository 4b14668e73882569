"""Demo data: a year of joint meetings in each community where the plugin is on (径河街 in the
demo), with participants, agenda items, resolutions followed up to done (a few late, a couple
still overdue), liaison visits, site management, agreements and integration records.
Idempotent (nothing happens where meetings exist) and deterministic (seeded by community).

Companies are the community's service links in force (the core's demo links the demo company to
a 小区 of the street's community): a linked site gets a co-building agreement with its company;
a commercial compound without a link is served by the community's own team. With no links at
all (the core's demo without them) the plugin's demo still works, with no agreements."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from wuye_core.plugins import Site, db, open_ticket, service_links, services

from .config import CADENCES
from .models import (
    AgendaItem,
    Agreement,
    AgreementSite,
    DualPost,
    FollowUp,
    Meeting,
    Participant,
    Problem,
    Resolution,
    SharedService,
    SiteManagement,
    Visit,
)

PEOPLE = {
    "community": [("刘书记", "社区党委书记"), ("陈主任", "居委会主任"), ("王委员", "社区两委委员")],
    "property": [("张经理", "红色物业分公司经理"), ("李主管", "项目部主管"), ("赵师傅", "维修班长")],
    "residents": [("周阿姨", "楼栋长"), ("吴大爷", "居民代表（党员）"), ("郑女士", "业委会委员")],
}
TOPICS = [
    ("楼道堆物清理", "property", "组织保洁班组集中清理楼道堆物，党员志愿者入户劝导"),
    ("二次供水水箱清洗", "property", "联系供水公司完成水箱清洗并公示水质检测报告"),
    ("小区停车秩序", "community", "划定临时停车位，由居民代表牵头制定停车公约"),
    ("单元门禁维修", "property", "更换损坏的单元门禁，费用从公共收益中列支"),
    ("化粪池清掏", "property", "安排清掏车辆，避开居民出行高峰"),
    ("路灯不亮", "community", "报街道城管科协调维修，社区跟踪进度"),
    ("垃圾分类督导", "residents", "组织志愿者每周两次垃圾分类督导"),
    ("屋面防水渗漏", "property", "排查渗漏楼栋，申请维修资金"),
    ("电动车飞线充电", "community", "联合消防排查飞线充电，增设集中充电桩"),
    ("绿化补植", "residents", "居民认领绿地，物业提供苗木"),
    ("物业费收缴公示", "property", "每季度公示物业费收支，接受居民监督"),
    ("老年人助餐点", "community", "协调社区食堂开设助餐点，物业提供场地"),
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def build(community_id: int, config: dict, today: date) -> None:
    if db.session.scalar(select(Meeting.id).where(Meeting.community_id == community_id).limit(1)):
        return
    rng = random.Random(f"red_property-{community_id}")
    step = CADENCES.get(config.get("cadence", "monthly"), 30)
    sites = db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.id)).all()
    _coverage(rng, community_id, sites, today)
    _integration(community_id)
    days = sorted({today - timedelta(days=step * k + rng.randint(0, 3)) for k in range(1, 366 // step + 1)})
    for day in days:
        _meeting(rng, community_id, day, today)
    upcoming = Meeting(
        community_id=community_id,
        title=config.get("meeting_title", "三方联席会议"),
        scheduled_on=today + timedelta(days=7),
        location="社区党群服务中心会议室",
        status="planned",
        created_at=_at(today),
    )
    db.session.add(upcoming)
    db.session.flush()
    _people(rng, upcoming.id, attended=None)
    _visits(rng, community_id, sites, today, upcoming.id)
    db.session.commit()
    if sites:  # a ticket staff escalated to the coming meeting: its detail links to the agenda item
        ticket_id = open_ticket(
            community_id,
            site_id=sites[0].id,
            title="地下室反复积水",
            category="其他",
            actor="demo",
            channel="phone",
            priority="major",
            description="多次报修未根治，需三方共同商议",
        )
        db.session.add(
            AgendaItem(
                community_id=community_id,
                meeting_id=upcoming.id,
                title=f"工单#{ticket_id}：地下室反复积水",
                source="ticket",
                ticket_id=ticket_id,
                status="pending",
                created_by="demo",
            )
        )
        db.session.commit()


def _people(rng: random.Random, meeting_id: int, attended: bool | None) -> None:
    for side, people in PEOPLE.items():
        for name, post in people:
            came = attended if attended is None else rng.random() > 0.1
            db.session.add(Participant(meeting_id=meeting_id, side=side, name=name, post=post, attended=came))


def _meeting(rng: random.Random, community_id: int, day: date, today: date) -> None:
    meeting = Meeting(
        community_id=community_id,
        title="三方联席会议",
        scheduled_on=day,
        held_on=day,
        location="社区党群服务中心会议室",
        status="held",
        created_at=_at(day - timedelta(days=7)),
    )
    db.session.add(meeting)
    db.session.flush()
    _people(rng, meeting.id, attended=True)
    topics = rng.sample(TOPICS, k=rng.randint(2, 3))
    meeting.minutes = "；".join(f"{t}：{decision}" for t, _, decision in topics) + "。"
    for title, side, decision in topics:
        item = AgendaItem(
            community_id=community_id,
            meeting_id=meeting.id,
            title=title,
            source=rng.choice(("manual", "manual", "visit")),
            status="discussed",
            created_by="demo",
            created_at=_at(day - timedelta(days=rng.randint(3, 20))),
        )
        db.session.add(item)
        db.session.flush()
        due = day + timedelta(days=rng.choice((14, 21, 30)))
        owner = rng.choice(PEOPLE[side])[0]
        resolution = Resolution(
            community_id=community_id,
            meeting_id=meeting.id,
            agenda_item_id=item.id,
            text=decision,
            owner_side=side,
            owner_name=owner,
            due_on=due,
            status="open",
            created_at=_at(day, 11),
        )
        db.session.add(resolution)
        db.session.flush()
        late = rng.random() < 0.15
        finished = (
            due + timedelta(days=rng.randint(1, 10)) if late else due - timedelta(days=rng.randint(0, 10))
        )
        if finished <= today:
            db.session.add(
                FollowUp(
                    resolution_id=resolution.id,
                    note="已按决议办理完毕，居民代表确认",
                    status="done",
                    actor="demo",
                    created_at=_at(finished, 16),
                )
            )
            resolution.status, resolution.done_on = "done", finished
            item.status, item.closed_at = "closed", _at(finished, 16)
        elif due < today:
            resolution.status = "in_progress"
            resolution.overdue_at = _at(due + timedelta(days=1), 2)
            db.session.add(
                FollowUp(
                    resolution_id=resolution.id,
                    note="正在协调，尚未完成",
                    status="in_progress",
                    actor="demo",
                    created_at=_at(due, 16),
                )
            )


def _coverage(rng: random.Random, community_id: int, sites: list[Site], today: date) -> None:
    linked = {link.my_site_id: link for link in service_links(community_id)}
    for site in sites:
        kind = getattr(site.kind, "value", site.kind)
        link = linked.get(site.id)
        if link is not None:  # served by the link's company (no record needed): its agreement
            agreement = Agreement(
                community_id=community_id,
                service_link_id=link.id,
                company_name=link.partner_name,
                community_party="社区党委",
                signed_on=today - timedelta(days=300),
                starts_on=today - timedelta(days=300),
                ends_on=today + timedelta(days=430),
                scope="纳入社区三方联动：参加联席会议、执行“5341”快速响应、共享党员志愿服务",
            )
            db.session.add(agreement)
            db.session.flush()
            db.session.add(AgreementSite(agreement_id=agreement.id, site_id=site.id))
        elif kind != "old":  # an old compound is left unrecorded: the coverage view shows the gap
            db.session.add(SiteManagement(community_id=community_id, site_id=site.id, manager="own_team"))


def _integration(community_id: int) -> None:
    db.session.add(
        DualPost(
            community_id=community_id,
            person_name="刘书记",
            community_post="社区党委书记",
            property_post="红色物业分公司经理",
        )
    )
    db.session.add(
        DualPost(
            community_id=community_id,
            person_name="陈主任",
            community_post="居委会主任",
            property_post="物业服务监督员",
        )
    )
    for name, text in [
        ("一站式服务窗口", "社区与物业合署办公，报事报修一窗受理"),
        ("党员志愿服务", "在职党员和志愿者每周参与小区保洁"),
    ]:
        db.session.add(SharedService(community_id=community_id, name=name, description=text))


def _visits(rng: random.Random, community_id: int, sites: list[Site], today: date, meeting_id: int) -> None:
    if not sites:
        return
    for k in range(6):
        day = today - timedelta(days=60 * k + rng.randint(0, 10))
        site = rng.choice(sites)
        visit = Visit(
            community_id=community_id,
            site_id=site.id,
            visited_on=day,
            officer="三方联动专员小孙",
            notes=f"走访{site.name}，与楼栋长交流",
            created_by="demo",
            created_at=_at(day, 15),
        )
        db.session.add(visit)
        db.session.flush()
        title, _, _ = rng.choice(TOPICS)
        problem = Problem(
            visit_id=visit.id, community_id=community_id, site_id=site.id, description=f"{site.name}：{title}"
        )
        db.session.add(problem)
        if k == 0:  # the newest problem waits on the next meeting's agenda
            db.session.flush()
            item = AgendaItem(
                community_id=community_id,
                meeting_id=meeting_id,
                title=problem.description,
                source="visit",
                status="pending",
                created_by="demo",
                created_at=_at(day, 16),
            )
            db.session.add(item)
            db.session.flush()
            problem.agenda_item_id = item.id
    services.commit()
