"""Demo data at the seeds' scale: 海景北社区居民服务联盟 (source 003: 海景北社区 "推选了 90 名责任心强、能主持
公道的在职党员和 280 名优秀志愿者成立了'居民服务联盟'", who help residents with health, legal and
other matters; the red-property company recruits volunteers with skills — 医疗卫生、电器修理、缝纫 —
and trains them regularly; volunteers clean the compound every week).

`wuye demo` calls `add_demo_data` once per community where the plugin is on:

- in 海景北社区 (the community whose name contains 海景北): **90 serving party members** (在职党员, each
  with the workplace party organisation they reported from and the date they reported) and **280
  volunteers**, of whom 52 are professionals (doctors and nurses, lawyers and mediators,
  electricians, plumbers, tailors, barbers, a counsellor, retired teachers), plus three who left;
- elsewhere a small alliance: 4 serving party members and 16 volunteers (2 of them professionals).

Every member has a made-up name (from surname and given-name lists, by gender), a phone, skills
with levels (a training confirmed some), availability, and most consented to be contacted; some are
residents of the community's register (the member is linked to the resident, with their name and
phone). Teams: 环保督导队 and 治安巡逻队, 法律服务队, 医疗服务队, 便民维修队, 关爱帮扶队 (in the small
alliance the first two). Two series: 每周六上午 小区清洁 (环保督导队) and 每周三晚 治安巡逻 (治安巡逻队),
with their last 8 weeks of activities made: sign-ups, check-ins and check-outs, confirmed service
records — all but the latest clean-up, whose hours wait for the organiser — and the next
occurrences with sign-ups. One-off activities: a past 义诊, 法律咨询 and 家电义务维修 (confirmed), an
upcoming 义诊 that is full with a waiting list, an upcoming 法律咨询 with free places, a repair day.
Trainings: 家电维修 and 缝纫 (attendance; passing confirmed the skill), an upcoming 应急救护. Tasks in
every state: requests and, where the community has one, a ticket about a light or a fuse handed to
the alliance; the done ones have their service record (one was done within the last hour, so the
month's hours are never empty, except in a month's first hour). The time bank is off unless the
community's config turns it on (then the records have earned their points).

Rows are written with the models, in a few flushes (not through the services: a demo is no news,
and thousands of rows take seconds). Idempotent: nothing is added where the community has members.
Deterministic: random numbers are seeded from the community's id; times are relative to the
demo's day (`today`, Beijing's when it is within a day of it).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from wuye_core.plugins import LOCAL_TZ, Community, Resident, community_tickets, db, local_now

from .config import Config
from .models import (
    Activity,
    Alliance,
    LedgerEntry,
    Member,
    MemberSkill,
    Series,
    ServiceRecord,
    Signup,
    Task,
    Team,
    TeamMember,
    Training,
    TrainingAttendance,
)

SEED_PARTY = 90  # 在职党员
SEED_VOLUNTEERS = 280  # 志愿者, the professionals among them
SMALL_PARTY, SMALL_VOLUNTEERS = 4, 16  # the alliance of another community
LEFT = 3  # volunteers who left (besides the seeds' numbers), in 海景北

# The demo users of the alliance (wuye_core/demo/__init__.py creates them where the plugin is installed).
MANAGER_USER, ORGANISER_USER = "lianmeng", "zuzhi"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_F = "芳娜敏静丽艳娟秀兰霞桂英玉萍红娥玲芬燕凤梅琴云莲珍春花翠菊香慧婷雪琳倩"
GIVEN_M = "伟强磊军洋勇杰涛明超平刚华建国志德胜福林海斌辉荣贵新发才俊峰鹏飞宇浩"

# Workplace party organisations (在职党员 report to the community where they live), with the skills
# their members tend to bring (skill, level).
PARTY_ORGS = [
    ("东西湖区税务局机关党支部", [("it", "skilled")]),
    ("径河中学党支部", [("tutoring", "expert")]),
    ("径河街社区卫生服务中心党支部", [("medical", "expert")]),
    ("东西湖区人民法院机关党支部", [("legal", "expert"), ("mediation", "skilled")]),
    ("国网武汉市东西湖区供电公司党支部", [("electrical_repair", "expert")]),
    ("东西湖公安分局径河派出所党支部", [("patrol", "skilled"), ("mediation", "basic")]),
    ("径河街中心小学党支部", [("tutoring", "skilled"), ("culture", "basic")]),
    ("临空港经开区管委会机关党支部", [("culture", "basic")]),
    ("东西湖区司法局机关党支部", [("legal", "skilled"), ("mediation", "skilled")]),
    ("武汉市第四医院临空港院区党总支", [("medical", "skilled")]),
    ("中国邮政东西湖区分公司党支部", [("it", "basic")]),
    ("东西湖区城市管理执法局党支部", [("patrol", "basic")]),
]

# Professionals: (how many of 52, profession, skill, level weights basic/skilled/expert)
PROFESSIONS = [
    (6, "全科医生（退休）", "medical", (0, 1, 3)),
    (6, "护士", "medical", (0, 3, 1)),
    (6, "律师", "legal", (0, 1, 2)),
    (4, "人民调解员", "mediation", (0, 2, 1)),
    (10, "电工", "electrical_repair", (1, 3, 1)),
    (4, "水电工", "plumbing", (1, 2, 1)),
    (6, "裁缝", "sewing", (1, 2, 2)),
    (4, "理发师", "haircut", (0, 3, 1)),
    (2, "心理咨询师", "psychology", (0, 1, 1)),
    (4, "退休教师", "tutoring", (0, 1, 2)),
]
SMALL_PROFESSIONS = [(1, "电工", "electrical_repair", (0, 1, 0)), (1, "裁缝", "sewing", (0, 1, 0))]
# volunteers' skills: (skill, weight); most clean, many patrol
VOLUNTEER_SKILLS = [("cleaning", 60), ("patrol", 18), ("elderly_care", 10), ("culture", 6), ("it", 4),
                    ("sewing", 3), ("tutoring", 3)]
LEVELS = ("basic", "skilled", "expert")

# teams: (name, kind, description, members' skills that put them in it)
TEAMS = [
    ("环保督导队", "environment", "每周六上午清扫小区路面、捡拾垃圾、清理小广告，督导垃圾分类", ("cleaning",)),
    ("治安巡逻队", "patrol", "每周三晚上在海景花园和张家湾村湾巡逻，劝导电动车规范停放", ("patrol",)),
    ("法律服务队", "professional", "法律咨询、矛盾纠纷调解", ("legal", "mediation")),
    ("医疗服务队", "professional", "义诊、健康咨询、上门探视行动不便的老人", ("medical", "psychology")),
    ("便民维修队", "professional", "家电、水电义务维修，缝补，理发", ("electrical_repair", "plumbing", "sewing",
                                                           "haircut")),
    ("关爱帮扶队", "care", "结对关爱独居、高龄老人：陪同就医、代购、教用智能手机", ("elderly_care", "it")),
]
SMALL_TEAMS = 2

CLEANING = dict(title="小区清洁", weekday=5, start="08:30", minutes=120, capacity=40, skills=["cleaning"],
                description="每周六上午，清扫路面、捡拾垃圾、铲除小广告；请自带胶鞋、手套，垃圾袋和铲子由社区提供",
                content="小区清洁：清扫路面、捡拾垃圾、清理小广告")
PATROL = dict(title="治安巡逻", weekday=2, start="19:00", minutes=120, capacity=16, skills=["patrol"],
              description="每周三晚上巡逻，重点查看楼道消防通道、电动车停放和村湾路灯",
              content="治安巡逻：巡查消防通道、劝导电动车规范停放")
WEEKS = 8  # weeks of past occurrences made

AREA = "420112"  # 武汉市东西湖区
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """The check character of an 18-digit ID number (GB 11643)."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def at(day: date, hhmm: str, minutes: int = 0) -> datetime:
    """A Beijing clock time on `day` (plus `minutes`), as an instant in UTC."""
    hour, minute = map(int, hhmm.split(":"))
    return (datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ) + timedelta(minutes=minutes)).astimezone(UTC)


def demo_clock(today: date) -> datetime:
    """The demo's now: Beijing's now when `today` is within a day of Beijing's date (the command
    runs on a server's date), else noon of `today` in Beijing."""
    now = local_now()
    if abs((today - now.date()).days) <= 1:
        return now.astimezone(UTC)
    return at(today, "12:00")


class _People:
    """Made-up people: unique names by gender, phones, ID numbers with their check digit."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    def name(self, gender: str) -> str:
        given = GIVEN_F if gender == "female" else GIVEN_M
        for _ in range(50):
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(given) for _ in range(self.rng.choice((1, 2, 2))))
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def phone(self) -> str:
        while True:
            phone = "1" + self.rng.choice(("33", "35", "37", "38", "39", "50", "52", "58", "86", "87", "89")) + \
                "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, born: int, gender: str) -> str:
        while True:
            birth = date(born, 1, 1) + timedelta(days=self.rng.randint(0, 364))
            seq = self.rng.randint(0, 49) * 2 + (1 if gender == "male" else 0)
            first17 = f"{AREA}{birth:%Y%m%d}{self.rng.randint(0, 9)}{seq:02d}"
            number = first17 + id_check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number


def _residents(community_id: int, year: int) -> list[tuple]:
    """(id, name, phone, gender, birth_year, tags) of the community's adult residents with a phone
    (tags: {"党员"} for those the register tags so), by id: two queries."""
    rows = db.session.execute(
        select(Resident.id, Resident.name, Resident.phone, Resident.gender, Resident.birth_year)
        .where(Resident.community_id == community_id, Resident.phone.is_not(None), Resident.duplicate_of.is_(None),
               or_(Resident.birth_year.is_(None), Resident.birth_year.between(1950, year - 20)))
        .order_by(Resident.id)).all()
    party = set(db.session.scalars(select(Resident.id).where(Resident.community_id == community_id,
                                                             Resident.tag_rows.any(tag="党员"))).all())
    return [(*row, {"党员"} if row[0] in party else set()) for row in rows]


def add_demo_data(community_id: int, config: dict, today: date) -> None:
    if db.session.scalar(select(Member.id).where(Member.community_id == community_id).limit(1)) is not None:
        return
    community = db.session.get(Community, community_id)
    if community is None:
        return
    Demo(community, {**Config().load({}), **(config or {})}, today).run()


class Demo:
    """One community's alliance, built in order: members, skills, teams, series and activities
    with sign-ups and records, trainings, tasks."""

    def __init__(self, community: Community, config: dict, today: date):
        self.community, self.config = community, config
        self.cid = community.id
        self.big = "海景北" in community.name
        self.rng = random.Random(f"volunteers-{community.id}")
        self.now = demo_clock(today)
        self.today = self.now.astimezone(LOCAL_TZ).date()
        self.people = _People(self.rng)
        self.organiser = ORGANISER_USER if self.big else "admin"
        self.manager = MANAGER_USER if self.big else "admin"
        self.records: list[ServiceRecord] = []

    # --- members ---------------------------------------------------------------------------------------

    def run(self) -> None:
        alliance = db.session.scalar(select(Alliance).where(Alliance.community_id == self.cid))
        self.founded = date(2017, 6, 1) if self.big else self.today - timedelta(days=2 * 365)
        if alliance is None:
            alliance = Alliance(community_id=self.cid, name=f"{self.community.name}居民服务联盟",
                                founded_on=self.founded, contact=f"{self.community.name}党群服务中心")
            db.session.add(alliance)
        self.name = self.config.get("alliance_name") or alliance.name  # the organiser printed on records
        members = self.members()
        db.session.add_all(members)
        db.session.flush()
        self.skills(members)
        teams = self.teams(members)
        self.trainings(members)
        self.activities(members, teams)
        self.tasks(members)
        self.time_bank()
        db.session.flush()

    def _joined(self) -> date:
        """Most joined in the alliance's first years; some lately, a few this month."""
        span = max(1, (self.today - self.founded).days - 30)
        roll = self.rng.random()
        if roll < 0.02:
            return self.today - timedelta(days=self.rng.randint(0, min(10, self.today.day - 1)))
        if roll < 0.6:
            return self.founded + timedelta(days=self.rng.randint(0, min(span, 700)))
        return self.founded + timedelta(days=self.rng.randint(0, span))

    def _member(self, kind: str, resident: tuple | None, born: tuple[int, int]) -> Member:
        rng = self.rng
        if resident is not None:
            resident_id, name, phone, gender, birth_year, _tags = resident
            gender = gender if gender in ("male", "female") else rng.choice(("male", "female"))
            birth_year = birth_year or rng.randint(*born)
            self.people.names.add(name)
        else:
            resident_id, gender = None, rng.choice(("male", "female"))
            name, phone, birth_year = self.people.name(gender), self.people.phone(), rng.randint(*born)
        joined = self._joined()
        consent = rng.random() < 0.85
        available = sorted(rng.sample(list(AVAILABILITY_WEIGHTS), k=rng.choice((1, 1, 2, 2, 3))),
                           key=list(AVAILABILITY_WEIGHTS).index)
        return Member(
            community_id=self.cid, name=name, kind=kind, phone=phone, gender=gender, resident_id=resident_id,
            id_number=self.people.id_number(birth_year, gender) if rng.random() < 0.4 else None,
            availability=available, consent_contact=consent, consent_on=joined if consent else None,
            joined_on=joined, status="active", created_by=self.manager,
        )

    def members(self) -> list[Member]:
        rng = self.rng
        n_party, n_volunteers = (SEED_PARTY, SEED_VOLUNTEERS) if self.big else (SMALL_PARTY, SMALL_VOLUNTEERS)
        professions = PROFESSIONS if self.big else SMALL_PROFESSIONS
        residents = _residents(self.cid, self.today.year)
        linkable = (len(residents) * 2 + 2) // 3 if self.big else min(len(residents), 12)
        party_residents = [r for r in residents[:linkable] if "党员" in r[5]]
        other_residents = [r for r in residents[:linkable] if "党员" not in r[5]]
        rng.shuffle(party_residents)
        self.plan: list[tuple[Member, list[tuple[str, str]]]] = []  # (member, its skills)

        for i in range(n_party):  # serving party members: working age, their workplace's branch
            org, skills = PARTY_ORGS[i % len(PARTY_ORGS)] if self.big else PARTY_ORGS[(i * 3) % len(PARTY_ORGS)]
            member = self._member("party_member", party_residents.pop() if party_residents and i % 3 != 2 else None,
                                  (1971, 1998))
            member.party_org = org
            member.party_org_contact = f"组织委员 {rng.choice(SURNAMES)}{rng.choice(('老师', '同志', '书记'))}"
            member.party_reported_on = max(self.founded, member.joined_on - timedelta(days=rng.randint(0, 20)))
            member.profession = None
            self.plan.append((member, [("cleaning", "basic"), *skills[: rng.choice((1, len(skills)))]]))
        for count, profession, skill, weights in professions:
            for _ in range(count):
                member = self._member("professional", other_residents.pop(0) if other_residents and rng.random() < 0.4
                                      else None, (1955, 1992))
                member.profession = profession
                level = rng.choices(LEVELS, weights)[0]
                extra = [("cleaning", "basic")] if rng.random() < 0.3 else []
                self.plan.append((member, [(skill, level), *extra]))
        n_plain = n_volunteers - sum(c for c, *_ in professions)
        for i in range(n_plain + (LEFT if self.big else 0)):
            member = self._member("volunteer", other_residents.pop(0) if other_residents else None, (1950, 2004))
            skills = {rng.choices([s for s, _ in VOLUNTEER_SKILLS], [w for _, w in VOLUNTEER_SKILLS])[0]}
            if rng.random() < 0.5:
                skills.add("cleaning")
            if rng.random() < 0.15:
                skills.add(rng.choice(("patrol", "elderly_care", "culture")))
            self.plan.append((member, [(s, rng.choices(LEVELS, (6, 3, 1))[0]) for s in sorted(skills)]))
            if i >= n_plain:  # the last few left
                member.joined_on = min(member.joined_on, self.today - timedelta(days=400))
                member.consent_on = member.joined_on if member.consent_contact else None
                member.status = "left"
                member.left_on = self.today - timedelta(days=rng.randint(40, 300))
                member.note = rng.choice(("搬离本社区", "身体原因，本人申请退出", "工作调动，本人申请退出"))
        return [member for member, _ in self.plan]

    def skills(self, members: list[Member]) -> None:
        rows = []
        for member, skills in self.plan:
            seen = set()
            for skill, level in skills:
                if skill in seen:
                    continue
                seen.add(skill)
                rows.append(MemberSkill(community_id=self.cid, member_id=member.id, skill=skill, level=level))
        self.skill_rows = rows
        db.session.add_all(rows)

    def with_skill(self, *skills: str, active: bool = True) -> list[Member]:
        wanted = set(skills)
        return [m for m, s in self.plan if wanted & {k for k, _ in s} and (m.status == "active" or not active)]

    # --- teams -----------------------------------------------------------------------------------------

    def teams(self, members: list[Member]) -> dict[str, tuple[Team, list[Member]]]:
        rng = self.rng
        found: dict[str, tuple[Team, list[Member]]] = {}
        for name, kind, description, skills in TEAMS[: len(TEAMS) if self.big else SMALL_TEAMS]:
            people = self.with_skill(*skills)
            if name == "环保督导队" and len(people) > 140:
                people = rng.sample(people, 140)
            party = [m for m in people if m.kind == "party_member"]
            leader = (party or people or members)[0]
            team = Team(community_id=self.cid, name=name, kind=kind, leader_member_id=leader.id,
                        description=description, active=True, created_by=self.manager)
            found[name] = (team, sorted(people, key=lambda m: m.id))
        db.session.add_all(team for team, _ in found.values())
        db.session.flush()
        rows = [TeamMember(community_id=self.cid, team_id=team.id, member_id=m.id,
                           joined_on=max(m.joined_on, self.founded))
                for team, people in found.values() for m in people]
        db.session.add_all(rows)
        return found

    # --- trainings -------------------------------------------------------------------------------------

    def trainings(self, members: list[Member]) -> list[Training]:
        """家电维修 (35 days ago) and 缝纫 (80 days ago): attendance, and passing confirms the skill at
        the training's level; 应急救护 in 9 days (nobody has attended yet)."""
        rng = self.rng
        plans = [
            ("家电维修技能培训", "electrical_repair", "skilled", 35, 180, "东西湖区职业技能培训中心 高级电工 讲师"),
            ("缝纫技能培训", "sewing", "skilled", 80, 150, "径河红色物业公司 组织，服装厂退休技师授课"),
            ("应急救护培训（心肺复苏、止血包扎）", "medical", "basic", -9, 180, "东西湖区红十字会"),
        ]
        made = []
        skills_by_member = {(row.member_id, row.skill): row for row in self.skill_rows}
        for title, skill, level, days_ago, minutes, trainer in plans:
            training = Training(community_id=self.cid, title=title, skill=skill, level=level,
                                held_on=self.today - timedelta(days=days_ago), minutes=minutes,
                                place=f"{self.community.name}党群服务中心培训室", trainer=trainer,
                                note="红色物业公司联合社区定期举办的专业技能培训", created_by=self.manager)
            made.append((training, skill, level, days_ago))
        db.session.add_all(t for t, *_ in made)
        db.session.flush()
        rows = []
        for training, skill, level, days_ago in made:
            if days_ago < 0:
                continue
            people = [m for m in self.with_skill(skill) if m.joined_on <= training.held_on]
            people = people[: 14 if self.big else 3]
            for m in people:
                attended = rng.random() < 0.9
                passed = attended and rng.random() < 0.9
                rows.append(TrainingAttendance(community_id=self.cid, training_id=training.id, member_id=m.id,
                                               attended=attended, passed=passed, recorded_by=self.manager))
                row = skills_by_member.get((m.id, skill))
                if passed and row is not None:
                    if LEVELS.index(row.level) < LEVELS.index(level):
                        row.level = level
                    row.confirmed_on, row.confirmed_by_training_id = training.held_on, training.id
                    row.confirmed_by = self.manager
        db.session.add_all(rows)
        return [t for t, *_ in made]

    # --- activities ------------------------------------------------------------------------------------

    def _token(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _activity(self, *, title, starts_at, minutes, place, capacity, skills, team, series=None,
                  description=None) -> Activity:
        return Activity(
            community_id=self.cid, series_id=series.id if series is not None else None,
            team_id=team.id if team is not None else None, title=title, description=description, place=place,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), capacity=capacity,
            skills_wanted=list(skills), status="open", checkin_token=self._token(), organiser=self.organiser,
            created_by=self.organiser,
        )

    def activities(self, members: list[Member], teams: dict) -> None:
        rng = self.rng
        place = "海景花园、张家湾村湾（社区党群服务中心门前集合）" if self.big else f"{self.community.name}各小区（社区党群服务中心门前集合）"
        plans = []  # (activity, people who sign up, content, evaluation-ish)
        series_rows = []
        for spec, team_name in ((CLEANING, "环保督导队"), (PATROL, "治安巡逻队")):
            team, people = teams.get(team_name, (None, []))
            if team is None:
                continue
            past = [d for d in (self.today - timedelta(days=n) for n in range(1, 7 * WEEKS + 7))
                    if d.weekday() == spec["weekday"]][:WEEKS]
            upcoming = [d for d in (self.today + timedelta(days=n) for n in range(0, 14))
                        if d.weekday() == spec["weekday"]][:2]
            series = Series(community_id=self.cid, team_id=team.id, title=f"每周{'一二三四五六日'[spec['weekday']]}"
                            f"{'上午' if spec['start'] < '12:00' else '晚上'} {spec['title']}",
                            description=spec["description"], place=place, weekday=spec["weekday"],
                            start_time=spec["start"], duration_minutes=spec["minutes"], capacity=spec["capacity"],
                            skills_wanted=spec["skills"], first_date=min(past), active=True,
                            created_by=self.manager)
            series_rows.append((series, spec, team, people, sorted(past), upcoming))
        db.session.add_all(s for s, *_ in series_rows)
        db.session.flush()
        for series, spec, team, people, past, upcoming in series_rows:
            capacity = spec["capacity"] if self.big else None
            for day in [*past, *upcoming]:
                if not self.big:
                    size = (3, max(3, len(people)))
                elif day < self.today:
                    size = (spec["capacity"] * 3 // 4, spec["capacity"])
                else:  # still signing up
                    size = (spec["capacity"] // 2, spec["capacity"] * 3 // 4)
                activity = self._activity(title=spec["title"], starts_at=at(day, spec["start"]),
                                          minutes=spec["minutes"], place=place, capacity=capacity,
                                          skills=spec["skills"], team=team, series=series,
                                          description=spec["description"])
                joined = [m for m in people if m.joined_on < day]
                chosen = rng.sample(joined, min(len(joined), rng.randint(*size)))
                plans.append((activity, chosen, spec["content"]))

        # one-offs: (title, skill team, days from today, start, minutes, capacity, content)
        medical, legal, repair = (teams.get(n, (None, [])) for n in ("医疗服务队", "法律服务队", "便民维修队"))
        one_offs = [
            ("健康义诊进小区", medical, -30, "09:00", 180, 8, "义诊：测血压血糖、健康咨询", (6, 8)),
            ("法律咨询进社区", legal, -20, "14:30", 120, 6, "法律咨询：婚姻家庭、继承、物业纠纷", (4, 6)),
            ("家电义务维修", repair, -45, "09:00", 180, 10, "家电义务维修：电风扇、电饭煲、台灯", (7, 10)),
            ("健康义诊进小区", medical, 3, "09:00", 180, 8, "", (11, 11)),  # full, three waiting
            ("法律咨询进社区", legal, 5, "14:30", 120, 6, "", (3, 3)),
            ("家电义务维修", repair, 12, "09:00", 180, 10, "", (4, 4)),
        ]
        for title, (team, people), days, start, minutes, capacity, content, size in one_offs:
            if team is None or not people:
                continue
            day = self.today + timedelta(days=days)
            activity = self._activity(title=title, starts_at=at(day, start), minutes=minutes,
                                      place=f"{self.community.name}党群服务中心门前广场", capacity=capacity,
                                      skills=[], team=team)
            joined = [m for m in people if m.joined_on < day]
            plans.append((activity, rng.sample(joined, min(len(joined), rng.randint(*size))), content))
        db.session.add_all(a for a, *_ in plans)
        db.session.flush()

        # sign-ups, check-ins, hours; the records of every past activity but the latest clean-up
        latest_cleaning = max((a.starts_at for a, *_ in plans if a.title == CLEANING["title"] and a.ends_at < self.now),
                              default=None)
        signups: list[tuple[Signup, ServiceRecord | None]] = []
        for activity, chosen, content in plans:
            ended = activity.ends_at < self.now
            confirm = ended and activity.starts_at != latest_cleaning and bool(content)
            confirmed_at = min(self.now, activity.ends_at + timedelta(hours=rng.randint(2, 30)))
            for n, member in enumerate(chosen):
                waiting = activity.capacity is not None and n >= activity.capacity
                signed_at = activity.starts_at - timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600)) \
                    + timedelta(minutes=n)
                signup = Signup(community_id=self.cid, activity_id=activity.id, member_id=member.id,
                                status="waiting" if waiting else "confirmed", signed_up_at=min(signed_at, self.now))
                record = None
                if ended and not waiting:
                    roll = rng.random()
                    if roll < 0.03:
                        signup.status = "cancelled"
                    elif roll < 0.1:
                        pass  # signed up, did not come
                    else:
                        length = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
                        late = rng.choice((0, 0, 0, 0, 5, 10, 20))
                        signup.checked_in_at = activity.starts_at + timedelta(minutes=late - rng.randint(5, 12))
                        signup.checked_out_at = activity.ends_at + timedelta(minutes=rng.randint(0, 15))
                        signup.checked_in_by = "qr" if rng.random() < 0.7 else self.organiser
                        signup.minutes = length - late
                        if confirm:
                            record = ServiceRecord(
                                community_id=self.cid, member_id=member.id, source="activity", source_id=activity.id,
                                content=content, place=activity.place, started_at=activity.starts_at,
                                ended_at=activity.ends_at, minutes=signup.minutes, organiser=self.name,
                                evaluation=rng.choices(("excellent", "good", "fair"), (3, 6, 1))[0],
                                confirmed_by=self.organiser, confirmed_at=confirmed_at, corrections=0)
                signups.append((signup, record))
            if confirm:
                activity.status = "confirmed"
                activity.confirmed_by = self.organiser
                activity.confirmed_at = confirmed_at
        made = [r for _, r in signups if r is not None]
        db.session.add_all(made)
        db.session.flush()
        for signup, record in signups:
            if record is not None:
                signup.record_id = record.id
        db.session.add_all(s for s, _ in signups)
        self.records += made

    # --- tasks -----------------------------------------------------------------------------------------

    def tasks(self, members: list[Member]) -> None:
        """Needs handed to the alliance, in every state; the done ones with their record."""
        rng = self.rng
        now, today = self.now, self.today
        specs = [  # (title, skill, description, status, days ago made, done days ago, minutes, requester)
            ("独居老人家中更换灯泡、检修插座", "electrical_repair", "3栋 独居老人，卧室灯不亮，插座松动", "done", 9, 8, 60),
            ("法律咨询：子女赡养纠纷", "legal", "张家湾村湾老人咨询赡养费问题，希望调解", "done", 12, 6, 90),
            ("缝补校服、改裤脚", "sewing", "低保户家庭两名学生的校服", "done", 5, 3, 60),
            ("上门理发（行动不便老人）", "haircut", "老人卧床，需上门理发", "done", 4, 1, 45),
            ("陪同就医：社区卫生服务中心复诊", "elderly_care", "高龄老人每月复诊，子女在外地", "accepted", 2, None, None),
            ("教老人用智能手机挂号、视频通话", "it", "老人想学手机预约挂号", "offered", 3, None, None),
            ("卫生间水管漏水维修", "plumbing", "村湾住户，水管接头漏水，已临时关阀", "offered", 1, None, None),
            ("心理疏导：失独老人情绪低落", "psychology", "关爱走访中发现，需要专业人士上门", "offered", 6, None, None),
            ("健康咨询：血压偏高", "medical", "老人自测血压偏高，想请医生上门看看", "cancelled", 20, None, None),
        ]
        requesters = ("王婆婆", "李爹爹", "张阿姨", "刘婆婆", "陈爹爹", "杨阿姨", "赵婆婆", "周爹爹", "吴阿姨")
        rows: list[tuple[Task, Member | None]] = []
        for (title, skill, description, status, made_ago, done_ago, minutes), who in zip(specs, requesters, strict=True):
            able = [m for m in self.with_skill(skill) if m.consent_contact] or self.with_skill(skill)
            member = rng.choice(able) if able and status in ("accepted", "done") else None
            if status in ("accepted", "done") and member is None:
                status = "offered"
            created = at(today - timedelta(days=made_ago), f"{rng.randint(8, 16):02d}:{rng.choice((0, 15, 30, 45)):02d}")
            task = Task(community_id=self.cid, source="request", source_ref=None, title=title, description=description,
                        skill=skill, place=f"{self.community.name}", requester_name=who,
                        requester_phone=self.people.phone(), wanted_by=today + timedelta(days=rng.randint(2, 10))
                        if status == "offered" else None, status=status, member_id=member.id if member else None,
                        accepted_at=created + timedelta(hours=rng.randint(1, 20)) if member else None,
                        created_by=self.organiser, created_at=created)
            if status == "done":
                task.done_at = min(now, at(today - timedelta(days=done_ago), "16:00"))
                task.minutes, task.outcome = minutes, "已完成，居民满意"
            rows.append((task, member))
        # done within the last hour: the month's hours are never empty (but in its first hour)
        movers = self.with_skill("elderly_care", "cleaning")
        start = now - timedelta(minutes=70)
        if movers and start.astimezone(LOCAL_TZ).month == now.astimezone(LOCAL_TZ).month:
            member = movers[len(movers) // 2]
            task = Task(community_id=self.cid, source="request", title="帮独居老人搬运米面、打扫卫生", skill="elderly_care",
                        description="老人腿脚不便，米面油送到家后帮忙打扫", place=self.community.name,
                        requester_name="孙婆婆", requester_phone=self.people.phone(), status="done", member_id=member.id,
                        accepted_at=start - timedelta(hours=2), done_at=now - timedelta(minutes=10), minutes=60,
                        outcome="已完成，居民满意", created_by=self.organiser, created_at=start - timedelta(hours=3))
            rows.append((task, member))
        # an open ticket the alliance can help with, handed to it (accepted by a member with the skill)
        ticket, skill = ticket_for_alliance(self.cid)
        able = self.with_skill(skill) if ticket is not None else []
        if able:
            member = able[0]
            created = min(now - timedelta(hours=3), ticket["created_at"] + timedelta(hours=2))
            rows.append((Task(community_id=self.cid, source="ticket", source_ref=ticket["id"], title=ticket["title"][:100],
                              description=f"工单转交居民服务联盟：请有{SKILL_ZH[skill]}技能的成员上门查看", skill=skill,
                              place=self.community.name, status="accepted", member_id=member.id,
                              accepted_at=created + timedelta(hours=1), created_by=self.organiser, created_at=created),
                         member))
        db.session.add_all(t for t, _ in rows)
        db.session.flush()
        made = []
        for task, member in rows:
            if task.status != "done":
                continue
            record = ServiceRecord(
                community_id=self.cid, member_id=member.id, source="task", source_id=task.id, content=task.title,
                place=task.place or self.community.name, started_at=task.done_at - timedelta(minutes=task.minutes + 15),
                ended_at=task.done_at, minutes=task.minutes, organiser=self.name, evaluation="excellent",
                confirmed_by=self.organiser, confirmed_at=min(now, task.done_at + timedelta(minutes=5)), corrections=0)
            made.append((task, record))
        db.session.add_all(r for _, r in made)
        db.session.flush()
        for task, record in made:
            task.record_id = record.id
        self.records += [r for _, r in made]

    # --- time bank (off unless the community's config turns it on) --------------------------------------

    def time_bank(self) -> None:
        if not self.config.get("time_bank"):
            return
        from .time_bank import points_for

        per_hour = int(self.config.get("points_per_hour", 10))
        balances: dict[int, int] = {}
        rows = []
        for record in sorted(self.records, key=lambda r: (r.confirmed_at, r.id)):
            points = points_for(record.minutes, per_hour)  # the time bank's own rule (half up; a 0 keeps its line)
            balances[record.member_id] = balances.get(record.member_id, 0) + points
            rows.append(LedgerEntry(community_id=self.cid, member_id=record.member_id, kind="earn", points=points,
                                    balance=balances[record.member_id], record_id=record.id,
                                    description=record.content[:200], by=record.confirmed_by, at=record.confirmed_at))
        db.session.add_all(rows)


# the words of an open ticket's title that the alliance's skills can answer (demo tickets: wuye_core/demo/tickets.py)
TICKET_SKILLS = [(("灯", "电表", "跳闸"), "electrical_repair"), (("水管", "下水道"), "plumbing"),
                 (("小广告", "垃圾"), "cleaning")]
SKILL_ZH = {"electrical_repair": "电器修理", "plumbing": "水管维修", "cleaning": "环境保洁"}


def ticket_for_alliance(community_id: int) -> tuple[dict | None, str | None]:
    """The community's oldest ticket still being worked on (its state allows resolving it) that
    the alliance can help with, and the skill it takes; (None, None) when there is none."""
    tickets = community_tickets(community_id, allowing="resolve", limit=200)
    for words, skill in TICKET_SKILLS:
        found = next((ticket for ticket in tickets if any(word in ticket["title"] for word in words)), None)
        if found is not None:
            return found, skill
    return None, None


AVAILABILITY_WEIGHTS = {"weekday_morning": 3, "weekday_afternoon": 2, "weekday_evening": 3, "weekend": 6, "on_call": 2}
