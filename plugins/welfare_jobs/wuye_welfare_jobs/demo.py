"""Demo data: 径河街's public-welfare job roster at the seeds' scale (source 003: the street's
red-property company employs **236** landless farmers as cleaners, guards and village crews,
insures them and arranges yearly health checks).

`wuye demo` calls `add_demo_data` once per community where the plugin is on. Each community
gets a fixed share of the 236 people on post today (`SHARES`, by community code; they sum to
236 across the demo street, tested in tests/test_welfare_jobs_demo.py):

    稻香社区 daoxiang     112  鑫海花城东区 (托管的弃管小区) and 稻香苑 (还建小区): cleaning, security, greening
    三店社区 sandian       84  三店还建小区 and 老供销社宿舍 (老旧小区): cleaning, security, greening
    海景北社区 haijingbei  40  张家湾 (村湾): village environment, cleaning, patrol
                          ---
                          236

A community of another file gets `OTHER_SHARE`. Posts are made at the community's sites that
the street's company serves (every kind but `compound`, a commercial company's 小区), one per
kind, the people spread by the site's area; each post's headcount is a little above the people
placed (a few vacancies: the exits below, and some places never filled).

Per community, besides the people on post: a few who left (`EXITS`: reasons, vacancy reports;
in 稻香社区 one report is overdue), one placement ending within 60 days (三店社区), one woman
about to reach the retirement age, attendance for the previous full month and this month up to
yesterday, social insurance for the placement's term and a group accident policy (a few
expiring within 30 days, one person without cover in 稻香 and 三店), this year's health checks
(most done, new people's still due, a few overdue), last year's assessments. The demo users
`zuzhang` (team leader) and `gongyi01` (a worker's sign-in) are linked where they hold their role.

Idempotent (nothing is added where the community has posts) and deterministic (seeded from the
community id). Rows are written directly with the models, without events: a demo is no news.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from wuye_core.plugins import LOCAL_TZ, Community, Site, db, require_tenant_id, staff_holding

from .access import TEAM_LEADER, WORKER
from .config import Config
from .models import Assessment, Attendance, HealthCheck, Placement, Policy, Post, Roster, Worker
from .tenure import covers, last_day

# --- the seeds' numbers --------------------------------------------------------------------------

SHARES = {"daoxiang": 112, "sandian": 84, "haijingbei": 40}  # people on post today: 236 in all
OTHER_SHARE = 12
SEED_TOTAL = 236

# Who left, by community: (reason, days ago). The first exit of a community with `OVERDUE`
# has not been reported and its deadline (`vacancy_report_days`) has passed.
EXITS = {
    "daoxiang": [("resigned", None), ("other_job", 45), ("retirement", 150), ("dismissal", 240)],
    "sandian": [("other_job", 20), ("health", 95), ("retirement", 200)],
    "haijingbei": [("other_job", 70), ("health", 180)],
}
OTHER_EXITS = [("other_job", 60)]
OVERDUE = {"daoxiang"}  # one vacancy report overdue
ENDING_SOON = {"sandian"}  # one placement ending within 60 days (the default `end_alert_days`)
NO_ACCIDENT_COVER = {"daoxiang": 1, "sandian": 1}  # workers with no accident policy
ACCIDENT_EXPIRING = 3  # per community: accident policies ending within 30 days
OVERDUE_CHECKS = 3  # per community: this year's health check not done, its date passed

# The post of the demo worker `gongyi01` (wuye_core/demo/__init__.py gives the user this team).
DEMO_WORKER_TEAM = "公益岗·稻香苑·保洁"

# Kinds of post by kind of site, with their weight (people per unit of area).
KINDS_BY_SITE = {
    "resettlement": [("cleaning", 5), ("security", 3), ("greening", 1)],
    "abandoned": [("cleaning", 5), ("security", 3)],
    "old": [("cleaning", 2), ("security", 1)],
    "village": [("village_environment", 4), ("cleaning", 2), ("patrol", 1)],
    "other": [("cleaning", 1)],
    "compound": [("cleaning", 1)],  # only where a community has no other site
}
KIND_ZH = {"cleaning": "保洁", "security": "保安", "greening": "绿化", "patrol": "巡查", "forest": "护林",
           "village_environment": "村湾环境", "other": "公益"}
SHIFTS = {"cleaning": ("06:30", "11:30"), "security": ("08:00", "17:00"), "greening": ("07:00", "11:30"),
          "patrol": ("08:00", "12:00"), "village_environment": ("07:00", "11:30")}
WOMEN_SHARE = {"cleaning": 0.7, "security": 0.15, "greening": 0.5, "patrol": 0.2, "village_environment": 0.6}

# Names in the style of the core's demo (wuye_core/demo/__init__.py), with given names by gender.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_F = "芳娜敏静丽艳娟秀兰霞桂英玉萍红娥玲芬燕凤梅琴云莲珍春花翠菊香"
GIVEN_M = "伟强磊军洋勇杰涛明超平刚华建国志德胜福林海斌辉荣贵新发才"
AREAS = ("420112", "420112", "420112", "420116")  # 武汉市东西湖区 (径河街), 黄陂区
VILLAGES = {"daoxiang": "稻香村", "sandian": "三店村", "haijingbei": "张家湾村"}
GROUPS_ZH = "一二三四五六七八"
INSTITUTIONS = ("东西湖区人民医院", "径河街社区卫生服务中心", "武汉市第四医院（临空港院区）")
INSURERS = {"pension": "东西湖区社会保险管理局", "medical": "东西湖区医疗保障局", "injury": "东西湖区社会保险管理局",
            "accident": "中国人民财产保险股份有限公司武汉市分公司"}
EXIT_NOTES = {"resigned": "本人申请离岗，照顾家中老人", "other_job": "已在临空港经开区企业就业",
              "retirement": "达到法定退休年龄", "health": "因身体原因不能继续从事本岗位",
              "dismissal": "上年度考核不合格，按规定解除", "term_ended": "安置期满"}
ACTOR = "demo"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """The check character of an 18-digit ID number (GB 11643)."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _luhn(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _plus_months(day: date, months: int) -> date:
    """The same day `months` later (earlier if negative), the month's last day where it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def _years_before(day: date, years: int) -> date:
    return _plus_months(day, -12 * years)


def _at(day: date, hhmm: str, minutes: int = 0) -> datetime:
    """A Beijing clock time on `day`, as an instant in UTC."""
    hour, minute = map(int, hhmm.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def spread(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing to `total` exactly."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _People:
    """Made-up people: names, ID numbers with their check digit, phones, bank accounts."""

    def __init__(self, rng: random.Random, community_id: int, today: date, config: dict, village: str):
        self.rng, self.today, self.config, self.village = rng, today, config, village
        self.bucket = community_id % 10  # the ID's sequence number differs between the demo's communities
        self.ids: set[str] = set()
        self.names: set[str] = set()
        self.count = 0

    def name(self, gender: str) -> str:
        given = GIVEN_F if gender == "female" else GIVEN_M
        for _ in range(50):
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(given) for _ in range(self.rng.choice((1, 2, 2))))
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def birth(self, gender: str) -> date:
        """Born 1966–1980 (ages 46–60 in 2026), more than 120 days before the retirement age."""
        age = self.config["retirement_age_female" if gender == "female" else "retirement_age_male"]
        earliest = max(date(1966, 1, 1), _years_before(self.today, age) + timedelta(days=121))
        latest = date(1980, 12, 31)
        if earliest > latest:  # a demo run long after 2026: keep the ages, not the years
            latest = _years_before(self.today, 40)
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def id_number(self, birth: date, gender: str) -> str:
        while True:
            seq = self.bucket * 100 + self.rng.randint(0, 49) * 2 + (1 if gender == "male" else 0)
            first17 = f"{self.rng.choice(AREAS)}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def worker(self, community_id: int, kind: str, gender: str | None = None, birth: date | None = None) -> Worker:
        rng = self.rng
        self.count += 1
        if gender is None:
            gender = "female" if rng.random() < WOMEN_SHARE.get(kind, 0.5) else "male"
        birth = birth or self.birth(gender)
        roll = rng.random()
        group = "landless_farmer" if roll < 0.84 else ("hard_to_employ" if roll < 0.93 else "age_4050")
        if group == "age_4050" and gender == "male" and birth > _years_before(self.today, 50):
            group = "hard_to_employ"  # 4050: women over 40, men over 50
        land_year = rng.randint(2008, 2016) if group == "landless_farmer" else None
        evidence = {
            "landless_farmer": f"被征地农民身份认定 东征认〔{land_year}〕{rng.randint(1, 999):04d}号",
            "hard_to_employ": f"就业困难人员认定 东人社就困〔{rng.randint(2023, 2025)}〕{rng.randint(1, 300)}号",
            "age_4050": f"就业创业证 4201120{rng.randint(10**11, 10**12 - 1)}",
        }[group]
        account = "621" + "".join(str(rng.randint(0, 9)) for _ in range(15))
        return Worker(
            community_id=community_id, name=self.name(gender), gender=gender, birth_date=birth,
            id_number=self.id_number(birth, gender),
            phone="1" + rng.choice(("33", "35", "37", "38", "39", "50", "52", "58", "86", "87", "89"))
            + "".join(str(rng.randint(0, 9)) for _ in range(8)),
            group=group, evidence_ref=evidence, land_acquired_year=land_year,
            land_village=f"{self.village}{rng.choice(GROUPS_ZH)}组" if land_year else None,
            bank_name="湖北农信", bank_account=account + _luhn(account), created_by=ACTOR,
        )


def _posts(community_id: int, share: int, exits: int, rng: random.Random, today: date) -> list[tuple[Post, int]]:
    """The community's posts with how many people are on each today."""
    sites = list(db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.id)).all())
    served = [s for s in sites if getattr(s.kind, "value", s.kind) != "compound"] or sites
    if not served:
        return []
    slots = []  # (site, kind, weight)
    for site in served:
        for kind, weight in KINDS_BY_SITE[getattr(site.kind, "value", site.kind)]:
            slots.append((site, kind, weight * float(site.area_m2 or 10_000)))
    people = spread(share, [w for _, _, w in slots])
    vacancies = [0] * len(slots)
    for _ in range(exits):  # the places left by the exits are open
        vacancies[rng.randrange(len(slots))] += 1
    for i in range(0, len(slots), 3):  # and a few never filled
        vacancies[i] += 1
    found = []
    for n, ((site, kind, _), on_post) in enumerate(zip(slots, people, strict=True)):
        start, end = SHIFTS.get(kind, ("07:00", "11:30"))
        post = Post(
            community_id=community_id, site_id=site.id, kind=kind, name=f"{site.name}{KIND_ZH[kind]}岗",
            headcount=on_post + vacancies[n], approval_ref="", approved_from=today,  # set once placed
            approved_until=None if n % 2 == 0 else date(today.year + 3, 12, 31),
            team=f"公益岗·{site.name}·{KIND_ZH[kind]}"[:50], shift_start=start, shift_end=end, active=True,
            created_by=ACTOR,
        )
        found.append((post, on_post))
    return found


def add_demo_data(community_id: int, config: dict, today: date) -> None:
    if db.session.scalar(select(func.count(Post.id)).where(Post.community_id == community_id)):
        return
    config = {**Config().load({}), **(config or {})}
    community = db.session.get(Community, community_id)
    code = community.code if community is not None else ""
    rng = random.Random(f"welfare_jobs-{community_id}")
    share = SHARES.get(code, OTHER_SHARE)
    exit_plan = EXITS.get(code, OTHER_EXITS)
    posts = _posts(community_id, share, len(exit_plan), rng, today)
    if not posts:
        return
    if db.session.scalar(select(Roster.id).where(Roster.community_id == community_id)) is None:
        db.session.add(Roster(community_id=community_id))
    leaders = [user_id for user_id, _ in staff_holding([TEAM_LEADER], community_id)]
    for n, (post, _) in enumerate(posts):
        if leaders and n < 3:  # the community's team leader leads its first few posts
            post.leader_user_id = leaders[0]
        db.session.add(post)
    db.session.flush()

    months = config["max_placement_months"]
    people = _People(rng, community_id, today, config, VILLAGES.get(code, (community.name if community else "")[:2] + "村"))
    placed: list[tuple[Worker, Placement, Post]] = []

    def place(post: Post, worker: Worker, starts_on: date) -> Placement:
        placement = Placement(community_id=community_id, post_id=post.id, starts_on=starts_on,
                              ends_on=_plus_months(starts_on, months) - timedelta(days=1), created_by=ACTOR)
        placed.append((worker, placement, post))
        return placement

    # the people on post today: started 2024–2026 (within the last 32 months, at least 20 days ago)
    earliest = _plus_months(today, -32)
    for post, on_post in posts:
        for _ in range(on_post):
            starts = earliest + timedelta(days=rng.randint(0, (today - timedelta(days=20) - earliest).days))
            place(post, people.worker(community_id, post.kind), starts)
    # one placement ends within 60 days; one woman reaches the retirement age within the alert window
    if code in ENDING_SOON:
        worker, placement, _ = placed[len(placed) // 2]
        placement.ends_on = today + timedelta(days=45)
        placement.starts_on = _plus_months(placement.ends_on + timedelta(days=1), -months)
    women = [w for w, _, _ in placed if w.gender == "female"]
    if women:
        woman = women[len(women) // 3]
        woman.birth_date = _years_before(today + timedelta(days=50), config["retirement_age_female"])
        woman.id_number = people.id_number(woman.birth_date, "female")
    # those who left: their places are the posts' open places
    for index, (reason, days_ago) in enumerate(exit_plan):
        post = posts[rng.randrange(len(posts))][0]
        overdue = index == 0 and code in OVERDUE
        exited = today - timedelta(days=config["vacancy_report_days"] + 6 if overdue else days_ago)
        gender = "female" if rng.random() < 0.5 else "male"
        birth = None
        if reason == "retirement":  # reached the age on the day they left
            age = config["retirement_age_female" if gender == "female" else "retirement_age_male"]
            birth = _years_before(exited, age)
        worker = people.worker(community_id, post.kind, gender=gender, birth=birth)
        starts = max(_plus_months(today, -32), exited - timedelta(days=rng.randint(240, 700)))
        placement = place(post, worker, starts)
        placement.exited_on, placement.exit_reason = exited, reason
        placement.exit_note, placement.ended_by = EXIT_NOTES.get(reason), ACTOR
        placement.vacancy_due_on = exited + timedelta(days=config["vacancy_report_days"])
        if not overdue:
            placement.vacancy_reported_on = exited + timedelta(days=rng.randint(1, config["vacancy_report_days"]))
            placement.vacancy_report_ref = f"径红物空岗〔{exited.year}〕{rng.randint(1, 60)}号"

    for post, _ in posts:  # approved (认定) the month before its first placement
        first = min((p.starts_on for _, p, q in placed if q is post), default=today)
        post.approved_from = _plus_months(first.replace(day=1), -1)
        post.approval_ref = f"东人社〔{post.approved_from.year}〕{rng.randint(3, 60)}号"
    for worker, _, _ in placed:
        db.session.add(worker)
    db.session.flush()
    for worker, placement, _ in placed:
        placement.worker_id = worker.id
        db.session.add(placement)
    db.session.flush()

    # the demo worker's sign-in: a worker on post in its team's post (else the first post's)
    accounts = [uid for uid, _ in staff_holding([WORKER], community_id)
                if db.session.scalar(select(Worker.id).where(Worker.staff_user_id == uid).limit(1)) is None]
    if accounts:
        on_post = [(w, p) for w, p, _ in placed if p.exited_on is None and p.ends_on > today + timedelta(days=60)]
        chosen = next((w for w, p in on_post if p.post_id == _team_post(posts, DEMO_WORKER_TEAM)), on_post[0][0])
        chosen.staff_user_id = accounts[0]

    tenant_id = require_tenant_id()
    villages = set(db.session.scalars(select(Site.id).where(Site.community_id == community_id,
                                                            Site.kind == "village")).all())
    _attendance(tenant_id, community_id, placed, rng, today, {p.id for p, _ in posts if p.site_id in villages})
    _policies(tenant_id, community_id, code, placed, rng, today)
    _health_checks(tenant_id, community_id, placed, rng, today, config)
    _assessments(tenant_id, community_id, placed, rng, today)
    db.session.commit()
    # last month's claim, computed from that attendance and left as a draft for the manager to check
    from .subsidies import compute_month

    compute_month(community_id, _plus_months(today.replace(day=1), -1), ACTOR)
    db.session.commit()


def _team_post(posts: list[tuple[Post, int]], team: str) -> int | None:
    return next((post.id for post, _ in posts if post.team == team), None)


def _attendance(tenant_id: int, community_id: int, placed, rng: random.Random, today: date,
                sheet_posts: set[int]) -> None:
    """The previous full month and this month up to yesterday: present on workdays (a few days
    of leave, a rare absence), rest on Sundays. Compounds clock in on a phone; the 村湾 crews
    hand in a monthly sheet."""
    first = _plus_months(today.replace(day=1), -1)
    days = [first + timedelta(days=n) for n in range((today - first).days)]
    leave_kinds, leave_weights = ["sick", "personal", "annual", "injury", "marriage_funeral"], [40, 40, 15, 2, 3]
    rows = []
    for worker, placement, post in placed:
        sheet = post.id in sheet_posts
        for day in days:
            if not covers(placement, day):
                continue
            row = dict(tenant_id=tenant_id, community_id=community_id, worker_id=worker.id,
                       placement_id=placement.id, post_id=post.id, day=day, leave_kind=None,
                       clock_in_at=None, clock_out_at=None, note=None, recorded_by=ACTOR,
                       source="sheet" if sheet else "console")
            roll = rng.random()
            if day.weekday() == 6:
                row["status"] = "rest"
            elif roll < 0.935:
                row["status"] = "present"
                if not sheet:
                    row.update(source="phone", clock_in_at=_at(day, post.shift_start, -rng.randint(0, 15)),
                               clock_out_at=_at(day, post.shift_end, rng.randint(0, 20)))
            elif roll < 0.985:
                row["status"], row["leave_kind"] = "leave", rng.choices(leave_kinds, leave_weights)[0]
            else:
                row["status"], row["note"] = "absent", "未到岗，未请假"
            rows.append(row)
    if rows:
        db.session.execute(insert(Attendance), rows)


def _policies(tenant_id: int, community_id: int, code: str, placed, rng: random.Random, today: date) -> None:
    """Pension, medical and work-injury insurance for the placement's term; the community's group
    accident policy of the year (renewed four months ago, so it never ends within the alert
    window whatever the date of the demo), a few personal ones ending within 30 days, and a
    worker or two with no accident cover."""
    renewal = _plus_months(today.replace(day=1), -4)
    group_end = _plus_months(renewal, 12) - timedelta(days=1)
    group_no = f"PZAC{renewal.year}420112{community_id:06d}"
    on_post = [(w, p) for w, p, _ in placed if p.exited_on is None]
    uncovered = {w.id for w, _ in on_post[5: 5 + NO_ACCIDENT_COVER.get(code, 0)]}
    expiring = {w.id for w, _ in on_post[20: 20 + ACCIDENT_EXPIRING]}
    rows = []
    for worker, placement, _ in placed:
        base = dict(tenant_id=tenant_id, community_id=community_id, worker_id=worker.id, created_by=ACTOR)
        for kind in ("pension", "medical", "injury"):
            rows.append({**base, "kind": kind, "insurer": INSURERS[kind], "policy_no": None,
                         "starts_on": placement.starts_on, "ends_on": last_day(placement), "premium_fen": None})
        if placement.exited_on is not None or worker.id in uncovered:
            continue
        if worker.id in expiring:
            ends = today + timedelta(days=rng.randint(5, 28))
            starts, number = _plus_months(ends + timedelta(days=1), -12), f"PEAC{ends.year - 1}4201{worker.id:08d}"
        else:
            starts, ends, number = max(renewal, placement.starts_on), group_end, group_no
        rows.append({**base, "kind": "accident", "insurer": INSURERS["accident"], "policy_no": number,
                     "starts_on": starts, "ends_on": ends, "premium_fen": 12_000})
    db.session.execute(insert(Policy), rows)


def _health_checks(tenant_id: int, community_id: int, placed, rng: random.Random, today: date, config: dict) -> None:
    """This year's check of everyone on post: due by the end of `health_check_month`, or 90 days
    after a later start. Most done before the date; a few overdue; the new people's still due."""
    year = today.year
    month_end = _plus_months(date(year, config["health_check_month"], 1), 1) - timedelta(days=1)
    overdue_left = OVERDUE_CHECKS
    rows = []
    for worker, placement, _ in placed:
        if placement.exited_on is not None:
            continue
        due = max(month_end, placement.starts_on + timedelta(days=90))
        row = dict(tenant_id=tenant_id, community_id=community_id, worker_id=worker.id, year=year, due_on=due,
                   done_on=None, institution=None, result=None, note=None, recorded_by=None)
        opened = max(date(year, 1, 1), placement.starts_on)
        last = min(due, today - timedelta(days=1))
        if due < today and overdue_left and rng.random() < 0.2:
            overdue_left -= 1
        elif last >= opened and (due < today or rng.random() < 0.3):
            result = rng.choices(["fit", "follow_up", "unfit"], [92, 7, 1])[0]
            row.update(done_on=opened + timedelta(days=rng.randint(0, (last - opened).days)),
                       institution=rng.choice(INSTITUTIONS), result=result, recorded_by=ACTOR,
                       note={"fit": None, "follow_up": "血压偏高，建议三个月后复查",
                             "unfit": "腰椎间盘突出，不宜从事搬运类工作，建议调岗"}[result])
        rows.append(row)
    if rows:
        db.session.execute(insert(HealthCheck), rows)


def _assessments(tenant_id: int, community_id: int, placed, rng: random.Random, today: date) -> None:
    """Last year's grades of everyone on post on 31 December who had started by 1 October; the
    person dismissed this year failed it."""
    year = today.year - 1
    assessed = min(date(year + 1, 1, 15), today - timedelta(days=1))
    rows = []
    for worker, placement, _ in placed:
        if not (placement.starts_on <= date(year, 10, 1) and covers(placement, date(year, 12, 31))):
            continue
        if placement.exit_reason == "dismissal":
            grade, score, note = "incompetent", rng.randint(45, 58), "多次无故缺勤，考核不合格"
        else:
            grade = rng.choices(["excellent", "competent", "basic"], [15, 79, 6])[0]
            score = {"excellent": rng.randint(90, 98), "competent": rng.randint(75, 89),
                     "basic": rng.randint(60, 74)}[grade]
            note = None
        rows.append(dict(tenant_id=tenant_id, community_id=community_id, worker_id=worker.id, year=year,
                         grade=grade, score=score, assessed_on=assessed, assessed_by=ACTOR, note=note))
    if rows:
        db.session.execute(insert(Assessment), rows)
