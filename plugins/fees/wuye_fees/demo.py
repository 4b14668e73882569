"""Demo data: property fees in the street's resettlement compounds at 0.45 元/㎡/month and in the
company's commercial compounds at its own rates (issue #22; source 003/004: the red-property company
charges 0.45 元/㎡, a half to a third of commercial rates, and fills the gap with shop-front rents,
parking income and government subsidy; low collection is the core problem of 兜底服务).

`wuye demo` calls `add_demo_data` once per community where the plugin is on. Per fee-charging site
(还建小区、老旧小区、弃管小区 at the street's rates; 商品房小区 at the company's; a village 村湾 pays
no property fee):

- **rates**: street — homes 0.45 元/㎡/月, shop fronts 2.00 元/㎡/月, parking spaces 60 元/月;
  company — homes 1.50 元/㎡/月 (1.30 until 2023, a closed period), shops 3.50 元/㎡/月, parking
  120 元/月;
- **fee units**: every unit of the register (its area_m2, or a pseudo-random 55–125 ㎡ from its id
  when the register has none), a dozen shop fronts and 30 parking spaces per community let to named
  payers (some parking spaces to residents of the register, with their phone);
- **bills** for the last 12 months in the community's `billing_cycle` (12 monthly, 4 quarterly,
  1 yearly bill per unit) from one billing run per period; in the street's compounds some
  households' older arrears (the 18 months before, a bill per half year "2024-06~2024-11" as
  ledger_import makes them, the older two over a year overdue) imported from the old paper
  ledger (a LedgerImport);
- **payments** with a realistic pattern — the street's homes about 60–70 % collected (prompt payers,
  late payers who pay months later in a lump, sporadic and partial payers, households who pay
  nothing), the company's about 90 % — by cash, WeChat, transfer (and Alipay at the company),
  each with its receipt number from the tenant's counter ("SF2026-000123"), allocations oldest bill
  first; every bill's `paid_fen` is the sum of its allocations and its status is `bill_state.settle`'s;
- **waivers**: 3 households in hardship (a resident tagged 低保户 where the register has one) have
  the bills of the last three months waived, asked for by the cashier and approved by the fee
  manager; one more discount (an elderly owner living alone) awaits approval;
- **one refund**: a household paid a month twice (cash at the window, a relative by transfer);
  the second payment stayed credit and was given back;
- **reminders** to some households in arrears (written notice, phone call, home visit);
- **other income** per month (门面租金, 车位租赁; the company: 公共收益 from advertising) and a quarterly
  财政补贴 from 区财政局 for the street's compounds, and **spending** by category (wages, cleaning,
  security, greening, repairs, utilities) sized so the gap between fee income and cost, and how
  rents and subsidy cover it, are visible; one mistaken entry cancelled.

The quarterly statements are left to be made (statements.py).

Rows are written with the models in bulk (one INSERT per table, ids returned where children need
them): the demo's communities take a fraction of a second. Idempotent: nothing is added where the
community has fee units. Deterministic: random numbers are seeded from the community's id; days are
relative to `today` (nothing happens on `today` or later: times never lie in the future).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import insert, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Building,
    Community,
    Household,
    Resident,
    Site,
    Unit,
    db,
    require_tenant_id,
    staff_holding,
)

from .access import CASHIER, MANAGER
from .bill_state import settle
from .config import Config
from .models import (
    Allocation,
    Bill,
    BillingRun,
    Counter,
    Discount,
    Entry,
    FeeRate,
    FeeUnit,
    LedgerImport,
    Payment,
    Reminder,
)
from .money import charge_fen
from .periods import CYCLE_MONTHS, add_months, months_between, period_of

# The demo users of the street's fees (wuye_core/demo/__init__.py creates them where the plugin is installed).
MANAGER_USER, CASHIER_USER = "caiwu", "shoufei"

STREET_SITES = ("resettlement", "old", "abandoned")  # the street's red-property company: its 兜底 rates
COMMERCIAL_SITES = ("compound",)  # a commercial company's compounds: its own rates
SHOPS, PARKING = 12, 30  # per community
PARKING_FOR_RESIDENTS = 10  # of them let to residents of the register (their name and phone)

# (unit kind, name, basis, price, valid from, valid until, note)
RATES = {
    "street": [
        ("residential", "住宅物业服务费", "per_m2", "0.45", date(2021, 1, 1), None,
         "街道还建小区兜底收费标准（红色物业），约为商品房小区的三分之一"),
        ("shop", "商铺物业服务费", "per_m2", "2.00", date(2021, 1, 1), None, "沿街门面，按建筑面积计"),
        ("parking", "车位管理服务费", "fixed", "60", date(2021, 1, 1), None, "地面固定车位，按月计"),
    ],
    "company": [
        ("residential", "住宅物业服务费", "per_m2", "1.30", date(2019, 1, 1), date(2023, 12, 31),
         "前期物业服务合同标准"),
        ("residential", "住宅物业服务费", "per_m2", "1.50", date(2024, 1, 1), None, "2023 年业主大会表决通过的新标准"),
        ("shop", "商铺物业服务费", "per_m2", "3.50", date(2019, 1, 1), None, None),
        ("parking", "车位管理服务费", "fixed", "120", date(2019, 1, 1), None, "地下车位，按月计"),
    ],
}

# how households pay: (profile, weight) — the street's ~60–70 % collected, the company's ~90 %
PROFILES = {
    ("street", "residential"): (("prompt", 52), ("late", 16), ("sporadic", 12), ("never", 20)),
    ("street", "shop"): (("prompt", 70), ("late", 18), ("never", 12)),
    ("street", "parking"): (("prompt", 80), ("late", 12), ("never", 8)),
    ("company", "residential"): (("prompt", 86), ("late", 8), ("sporadic", 3), ("never", 3)),
    ("company", "shop"): (("prompt", 84), ("late", 16)),
    ("company", "parking"): (("prompt", 92), ("late", 8)),
}
METHODS = {"street": (("cash", 45), ("wechat", 40), ("transfer", 15)),
           "company": (("wechat", 55), ("transfer", 20), ("alipay", 15), ("cash", 10))}

# the monthly cost of a site as a multiple of what it bills a month (the street's 0.45 元/㎡ pays for
# well under its cost; a company's rates pay for it and a margin), and the shares of its categories
COST_FACTOR = {"street": Decimal("1.35"), "company": Decimal("0.85")}
SPENDING = (  # (category, share, description, counterparty)
    ("staff", Decimal("0.28"), "项目管理人员及客服工资", None),
    ("cleaning", Decimal("0.22"), "保洁人员工资及保洁用品", None),
    ("security", Decimal("0.22"), "秩序维护（门岗、巡逻）人员工资", None),
    ("greening", Decimal("0.06"), "绿化养护（修剪、补植、病虫害防治）", "径河园林绿化养护队"),
    ("repairs", Decimal("0.12"), "公共设施设备维修（水泵、路灯、单元门禁、化粪池疏通）", None),
    ("utilities", Decimal("0.10"), "公共区域水电费（路灯、楼道灯、二次供水）", "国网武汉供电公司"),
)
# other income, as a share of the site's monthly cost
INCOME = {
    "street": (("shop_rent", Decimal("0.20"), "社区集体门面租金", None),
               ("parking_rent", Decimal("0.10"), "公共区域临时停车及车位租赁收入", None)),
    "company": (("parking_rent", Decimal("0.06"), "临时停车收入", None),
                ("public_income", Decimal("0.04"), "电梯广告位及公共场地租赁收入（公共收益）", "楼宇广告传媒公司")),
}
SUBSIDY_SHARE = Decimal("0.45")  # a quarter's subsidy: 45 % of one month's cost of the street's site

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕凤梅琴云莲珍建国志春海"
SHOP_TRADES = ("便民超市", "早餐店", "大药房", "理发店", "五金建材", "快递驿站", "水果店", "干洗店", "热干面馆", "烟酒副食",
               "家电维修", "母婴用品", "彩票站", "蔬菜店", "打印复印")


def _bulk(model):
    """An ORM bulk INSERT that keeps NULLs in its VALUES: the rows are sent in one statement per
    batch, not one per pattern of empty columns."""
    return insert(model).execution_options(render_nulls=True)


def area_of(unit_id: int) -> Decimal:
    """A home's area when the register has none: 55.00–125.00 ㎡, the same for the same unit."""
    return Decimal(5500 + (unit_id * 2654435761) % 7001) / 100


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing clock time on `day`, as an instant in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


def add_demo_data(community_id: int, config: dict, today: date) -> None:
    if db.session.scalar(select(FeeUnit.id).where(FeeUnit.community_id == community_id).limit(1)) is not None:
        return
    community = db.session.get(Community, community_id)
    if community is None:
        return
    Demo(community, {**Config().load({}), **(config or {})}, today).run()


@dataclass
class _Unit:
    """A fee unit being made, with how it pays and its bills (dicts, in period order)."""

    row: dict
    style: str  # "street" | "company"
    payer: str | None  # whose name goes on the receipts
    profile: str = "prompt"
    bills: list[dict] = field(default_factory=list)
    old: list[dict] = field(default_factory=list)  # imported arrears


class Demo:
    def __init__(self, community: Community, config: dict, today: date):
        self.community, self.config = community, config
        self.cid = community.id
        self.tenant_id = require_tenant_id()
        self.rng = random.Random(f"fees-{community.id}")
        self.today = today
        self.last_day = today - timedelta(days=1)  # nothing happens on `today` or later
        self.cycle = config["billing_cycle"]
        self.months = CYCLE_MONTHS[self.cycle]
        current = period_of(self.cycle, today)
        periods = [current]
        while len(periods) < max(1, 12 // self.months):
            periods.insert(0, period_of(self.cycle, periods[0].start - timedelta(days=1)))
        self.periods = periods
        staff = {name for _id, name in staff_holding([MANAGER, CASHIER], self.cid)}
        self.manager = MANAGER_USER if MANAGER_USER in staff else "admin"
        self.cashier = CASHIER_USER if CASHIER_USER in staff else self.manager
        self.names: set[str] = set()
        self.phones: set[str] = set()

    # --- people ----------------------------------------------------------------------------------------

    def person(self) -> str:
        for _ in range(50):
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def phone(self) -> str:
        while True:
            phone = "1" + self.rng.choice(("35", "36", "37", "38", "39", "58", "59", "87", "88")) + \
                "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def moment(self, day: date) -> datetime:
        """An office-hours time on `day` (never later than yesterday)."""
        day = min(day, self.last_day)
        return at(day, self.rng.randint(8, 17), self.rng.randint(0, 59))

    def pick(self, weighted) -> str:
        codes, weights = zip(*weighted, strict=True)
        return self.rng.choices(codes, weights)[0]

    # --- the run ---------------------------------------------------------------------------------------

    def run(self) -> None:
        sites = db.session.execute(select(Site.id, Site.name, Site.kind).where(Site.community_id == self.cid)
                                   .order_by(Site.id)).all()
        sites = [(sid, name, "street" if str(kind) in STREET_SITES else "company")
                 for sid, name, kind in sites if str(kind) in STREET_SITES + COMMERCIAL_SITES]
        if not sites:
            return
        rates = self.rates(sites)
        units = self.units(sites)
        self.bill(units, rates)
        self.pay(units)
        self.insert(units)
        self.entries(sites, units)

    def rates(self, sites) -> dict:
        """The rates of each site: {(site id, kind): [(row, id)]}."""
        rows = [dict(tenant_id=self.tenant_id, community_id=self.cid, site_id=sid, unit_kind=kind, name=name,
                     basis=basis, price=Decimal(price), valid_from=start, valid_until=until, note=note,
                     created_by=self.manager)
                for sid, _name, style in sites for kind, name, basis, price, start, until, note in RATES[style]]
        ids = db.session.scalars(_bulk(FeeRate).returning(FeeRate.id, sort_by_parameter_order=True), rows).all()
        found: dict = {}
        for row, rate_id in zip(rows, ids, strict=True):
            found.setdefault((row["site_id"], row["unit_kind"]), []).append((row, rate_id))
        return found

    def units(self, sites) -> list[_Unit]:
        """The register's homes, a dozen shop fronts and 30 parking spaces, with their payers."""
        site_ids = [sid for sid, _n, _s in sites]
        style_of = {sid: style for sid, _n, style in sites}
        homes = db.session.execute(
            select(Unit.id, Unit.site_id, Unit.entrance, Unit.number, Unit.area_m2, Building.name)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.community_id == self.cid, Unit.site_id.in_(site_ids)).order_by(Unit.id)).all()
        households = dict(db.session.execute(
            select(Household.unit_id, Household.id).where(Household.community_id == self.cid,
                                                          Household.moved_out_on.is_(None))
            .order_by(Household.id)).all())  # the latest household of each unit
        residents = db.session.execute(
            select(Resident.id, Resident.household_id, Resident.name, Resident.phone)
            .where(Resident.community_id == self.cid, Resident.duplicate_of.is_(None)).order_by(Resident.id)).all()
        first_of: dict[int, str] = {}
        for _rid, household_id, name, _phone in residents:
            first_of.setdefault(household_id, name)
            self.names.add(name)
        hardship = list(dict.fromkeys(db.session.scalars(
            select(Resident.household_id).where(Resident.community_id == self.cid,
                                                Resident.tag_rows.any(tag="低保户")).order_by(Resident.id))))

        made: list[_Unit] = []
        base = dict(tenant_id=self.tenant_id, community_id=self.cid, active=True, created_by=self.manager,
                    note=None, payer_name=None, payer_phone=None, unit_id=None, area_m2=None)
        handed_over = date(2019, 7, 1)
        for unit_id, site_id, entrance, number, area, building in homes:
            household_id = households.get(unit_id)
            label = f"{building}{entrance}单元{number}" if entrance else f"{building}{number}"
            row = {**base, "site_id": site_id, "kind": "residential", "unit_id": unit_id, "label": label[:100],
                   "area_m2": Decimal(str(area)).quantize(Decimal("0.01")) if area else area_of(unit_id),
                   "billing_from": handed_over, "household_id": household_id}
            made.append(_Unit(row, style_of[site_id], first_of.get(household_id) if household_id else None))

        # shops and parking spaces, over the sites in proportion to their homes (the first takes the rest)
        per_site = {sid: sum(1 for u in made if u.row["site_id"] == sid) for sid in site_ids}
        total = sum(per_site.values()) or 1
        takers = [r for r in residents if r[3]]
        self.rng.shuffle(takers)
        takers = takers[:PARKING_FOR_RESIDENTS]
        for kind, count in (("shop", SHOPS), ("parking", PARKING)):
            shares = {sid: count * per_site[sid] // total for sid in site_ids}
            shares[site_ids[0]] += count - sum(shares.values())
            for letter, sid in zip("ABCDEFGH", site_ids, strict=False):
                for i in range(1, shares[sid] + 1):
                    if kind == "shop":
                        trade = SHOP_TRADES[(i - 1) % len(SHOP_TRADES)]
                        name = self.person()
                        row = {**base, "site_id": sid, "kind": "shop", "label": f"商铺 {letter}-{i:02d}",
                               "area_m2": Decimal(self.rng.randint(2200, 8500)) / 100, "note": trade,
                               "payer_name": f"{name}（{trade}）", "payer_phone": self.phone()}
                    else:
                        if takers and i % 3 == 1:
                            _rid, _h, name, phone = takers.pop()
                        else:
                            name, phone = self.person(), self.phone()
                        row = {**base, "site_id": sid, "kind": "parking", "label": f"车位 {letter}-{i:03d}",
                               "payer_name": name, "payer_phone": phone}
                    row.update(billing_from=self.periods[0].start - timedelta(days=365 * self.rng.randint(0, 3)),
                               household_id=None)
                    made.append(_Unit(row, style_of[sid], row["payer_name"]))
        for u in made:
            u.profile = self.pick(PROFILES[(u.style, u.row["kind"])])
            if u.payer is None:  # a vacant home: its owner lives elsewhere
                u.payer = self.person()
        # 3 households in hardship in the street's homes: 低保户 of the register first, others if it has fewer
        street_homes = [u for u in made if u.style == "street" and u.row["kind"] == "residential"
                        and u.row["household_id"] is not None]
        homes_of = {u.row["household_id"] for u in street_homes}
        hardship = [h for h in hardship if h in homes_of][:3]
        for u in street_homes[7::11]:
            if len(hardship) >= 3:
                break
            if u.row["household_id"] not in hardship:
                hardship.append(u.row["household_id"])
        for u in street_homes:
            if u.row["household_id"] in hardship:
                u.profile = "hardship"
        return made

    # --- bills -----------------------------------------------------------------------------------------

    def bill(self, units: list[_Unit], rates: dict) -> None:
        runs = [dict(tenant_id=self.tenant_id, community_id=self.cid, cycle=self.cycle, period_start=p.start,
                     period_end=p.end, bills_made=0, already_billed=0, skipped={}, amount_fen=0, started_by="system",
                     started_at=at(p.start, 1, 5), finished_at=at(p.start, 1, 6)) for p in self.periods]
        due = timedelta(days=self.config["due_days"])
        for u in units:
            for index, p in enumerate(self.periods):
                rate = next(((row, rid) for row, rid in rates[(u.row["site_id"], u.row["kind"])]
                             if row["valid_from"] <= p.start and (row["valid_until"] is None
                                                                  or p.start <= row["valid_until"])), None)
                if rate is None:
                    continue
                row, rate_id = rate
                area = u.row["area_m2"] if row["basis"] == "per_m2" else None
                amount = charge_fen(row["price"], p.months, area)
                u.bills.append(self._bill(u, p, amount, area, row["price"], rate_id=rate_id, run=index,
                                          due_on=p.start + due))
                runs[index]["bills_made"] += 1
                runs[index]["amount_fen"] += amount
        run_ids = db.session.scalars(_bulk(BillingRun).returning(BillingRun.id, sort_by_parameter_order=True),
                                     runs).all()
        for u in units:
            for b in u.bills:
                b["run_id"] = run_ids[b.pop("run")]

        # older arrears from the old ledger: a third of the street's homes that pay nothing
        imported = 0
        for u in units:
            if u.style == "street" and u.row["kind"] == "residential" and u.profile == "never" and \
                    self.rng.random() < 0.4:
                # as ledger_import makes them: a bill per row of the old ledger (here one per half year
                # of the 18 months before), labelled "2024-06~2024-11", due on its last day
                rate = rates[(u.row["site_id"], "residential")][0][0]
                for back in (18, 12, 6):
                    first = add_months(self.periods[0].start, -back)
                    last = add_months(first, 6) - timedelta(days=1)
                    span = SimpleNamespace(start=first, end=last, label=f"{first:%Y-%m}~{last:%Y-%m}",
                                           months=months_between(first, last))
                    amount = charge_fen(rate["price"], span.months, u.row["area_m2"])
                    u.old.append(self._bill(u, span, amount, u.row["area_m2"], rate["price"], rate_id=None, run=None,
                                            due_on=last, source="imported", note="原纸质台账导入：历史欠费"))
                    imported += 1
        if imported:
            db.session.execute(_bulk(LedgerImport), [dict(
                tenant_id=self.tenant_id, community_id=self.cid, filename=f"{self.community.name}物业费欠费台账.xlsx",
                rows=imported, made={"bills": imported}, imported_by=self.manager,
                imported_at=at(self.periods[0].start - timedelta(days=3), 15, 20))])

    def _bill(self, u: _Unit, p, amount: int, area, price, *, rate_id, run, due_on, source="generated",
              note=None) -> dict:
        return dict(tenant_id=self.tenant_id, community_id=self.cid, site_id=u.row["site_id"], fee_unit_id=None,
                    household_id=u.row["household_id"], rate_id=rate_id, run=run, source=source,
                    period_start=p.start, period_end=p.end, period_label=p.label, months=p.months, area_m2=area,
                    price=price, amount_fen=amount, discount_fen=0, paid_fen=0, status="open", due_on=due_on,
                    settled_on=None, note=note)

    # --- payments --------------------------------------------------------------------------------------

    def pay(self, units: list[_Unit]) -> None:
        """Plan each unit's payments: (day, [(bill, fen)], method) — settled oldest bill first."""
        self.plans: list[tuple[_Unit, date, list[tuple[dict, int]], str]] = []
        self.discounts: list[tuple[dict, dict]] = []
        step = 30 * self.months
        waive_from = add_months(period_of("monthly", self.today).start, -2)  # the last three months' bills
        self.waived_on = min(waive_from + timedelta(days=5), self.last_day)
        for u in units:
            bills, method = u.bills, self.pick(METHODS[u.style])
            if u.profile == "hardship":
                waived = [b for b in bills if b["period_start"] >= waive_from]
                bills = [b for b in bills if b["period_start"] < waive_from]
                for b in waived:
                    self.discounts.append((u, b))
            if u.profile in ("prompt", "late", "hardship"):
                group = self.rng.choice((1, 1, 3)) if self.months == 1 else 1
                lag = self.rng.randint(2, 5) * 30 if u.profile == "late" else 0
                for first in range(0, len(bills), group):
                    chunk = bills[first:first + group]
                    day = chunk[-1]["period_start"] + timedelta(days=lag + self.rng.randint(2, min(27, step - 3)))
                    if day <= self.last_day:
                        self.plans.append((u, day, [(b, b["amount_fen"]) for b in chunk], method))
            elif u.profile == "sporadic":
                for b in bills:
                    if self.rng.random() < 0.5:
                        continue
                    day = b["period_start"] + timedelta(days=self.rng.randint(10, 80))
                    if day > self.last_day:
                        continue
                    fen = b["amount_fen"]
                    if self.rng.random() < 0.35:  # a partial payment: a round sum in yuan
                        fen = max(100, fen * self.rng.randint(3, 7) // 10 // 100 * 100)
                    self.plans.append((u, day, [(b, min(fen, b["amount_fen"]))], self.pick(METHODS[u.style])))
        self.plans.sort(key=lambda plan: (plan[1], plan[0].row["label"]))

    def insert(self, units: list[_Unit]) -> None:
        """Everything in bulk, in order: units, bills, payments, allocations, discounts, the refund,
        the receipts' counters, reminders."""
        unit_rows = [{k: v for k, v in u.row.items() if k != "household_id"} for u in units]
        unit_ids = db.session.scalars(_bulk(FeeUnit).returning(FeeUnit.id, sort_by_parameter_order=True),
                                      unit_rows).all()
        for u, unit_id in zip(units, unit_ids, strict=True):
            u.row["id"] = unit_id
            for b in u.old + u.bills:
                b["fee_unit_id"] = unit_id

        # totals and statuses, from the plans (as the services would: under each bill, settle)
        for _u, day, parts, _method in self.plans:
            for b, fen in parts:
                b["paid_fen"] += fen
                b["paid_on"] = day
        for _u, b in self.discounts:
            b["discount_fen"] = b["amount_fen"] - b["paid_fen"]
            b["waived_on"] = self.waived_on
        for u in units:
            for b in u.old + u.bills:
                state = SimpleNamespace(status="open", settled_on=None, amount_fen=b["amount_fen"],
                                        discount_fen=b["discount_fen"], paid_fen=b["paid_fen"])
                settle(state, b.pop("waived_on", None) or b.get("paid_on") or self.last_day)
                b.pop("paid_on", None)
                b["status"], b["settled_on"] = state.status, state.settled_on

        bills = [b for u in units for b in u.old + u.bills]
        bill_rows = [{k: v for k, v in b.items() if k != "run"} for b in bills]
        for row in bill_rows:
            row.setdefault("run_id", None)
        bill_ids = db.session.scalars(_bulk(Bill).returning(Bill.id, sort_by_parameter_order=True), bill_rows).all()
        for b, bill_id in zip(bills, bill_ids, strict=True):
            b["id"] = bill_id
        self._all_bills = bills

        # the journal: payments (with receipts), the duplicate that was given back
        payments = []
        for u, day, parts, method in self.plans:
            payments.append(self._payment(u, day, sum(fen for _b, fen in parts), method))
        duplicate = self._duplicate(units)
        if duplicate is not None:
            payments.append(duplicate)
        order = sorted(range(len(payments)), key=lambda i: payments[i]["paid_at"])
        self._number(payments, order)
        payment_ids = db.session.scalars(_bulk(Payment).returning(Payment.id, sort_by_parameter_order=True),
                                         payments).all()
        allocations = [dict(tenant_id=self.tenant_id, community_id=self.cid, payment_id=payment_id, bill_id=b["id"],
                            amount_fen=fen, by=None, at=payment["paid_at"])
                       for (_u, _day, parts, _m), payment_id, payment in zip(self.plans, payment_ids, payments,
                                                                               strict=False)
                       for b, fen in parts]
        if allocations:
            db.session.execute(_bulk(Allocation), allocations)
        if duplicate is not None:
            refunded_at = duplicate["paid_at"] + timedelta(days=4)
            db.session.execute(_bulk(Payment), [dict(
                duplicate, kind="refund", amount_fen=-duplicate["amount_fen"], receipt_no=None,
                reverses_id=payment_ids[-1], paid_at=min(refunded_at, self.moment(self.last_day)),
                reason="同一月份物业费重复缴纳（窗口现金一次、家属银行转账一次），经核实将转账一笔原路退回",
                note=None, recorded_by=self.manager, reference=f"退款{duplicate['reference']}")])
        self._discounts()
        self._reminders(units)

    def _payment(self, u: _Unit, day: date, fen: int, method: str) -> dict:
        return dict(tenant_id=self.tenant_id, community_id=self.cid, site_id=u.row["site_id"], fee_unit_id=u.row["id"],
                    household_id=u.row["household_id"], kind="payment", amount_fen=fen, method=method, provider=None,
                    provider_txn_id=None, receipt_no=None, payer_name=u.payer, paid_at=self.moment(day),
                    reverses_id=None, reason=None, note=None,
                    reference=f"{day:%Y%m%d}{self.rng.randint(100000, 999999)}" if method == "transfer" else None,
                    recorded_by=self.cashier)

    def _duplicate(self, units: list[_Unit]) -> dict | None:
        """A month paid twice: the unit's cash payment of two months ago again, by transfer, left as
        credit (no allocation) — then refunded."""
        cutoff = self.today - timedelta(days=60)
        for u, day, parts, method in self.plans:
            if u.row["kind"] == "residential" and method == "cash" and day <= cutoff and len(parts) == 1:
                payment = self._payment(u, day + timedelta(days=2), parts[0][1], "transfer")
                payment["note"] = "与现金缴费重复，待退款"
                return payment
        return None

    def _number(self, payments: list[dict], order: list[int]) -> None:
        """Receipt numbers in the order the money came, from the tenant's counter of each year."""
        prefix = self.config["receipt_prefix"]
        counters: dict[int, Counter] = {}
        for i in order:
            year = payments[i]["paid_at"].astimezone(LOCAL_TZ).year
            counter = counters.get(year)
            if counter is None:
                counter = db.session.scalar(select(Counter).where(Counter.kind == "receipt", Counter.year == year)
                                            .with_for_update())
                if counter is None:
                    counter = Counter(kind="receipt", year=year, last=0)
                    db.session.add(counter)
                counters[year] = counter
            counter.last += 1
            payments[i]["receipt_no"] = f"{prefix}{year}-{counter.last:06d}"

    def _discounts(self) -> None:
        rows = []
        for _u, b in self.discounts:
            decided = at(self.waived_on, 10, 30)
            rows.append(dict(tenant_id=self.tenant_id, community_id=self.cid, bill_id=b["id"], kind="waiver",
                             amount_fen=b["discount_fen"], reason="subsistence", status="approved",
                             explanation=f"低保户，{self.waived_on.year}年低保证已核验，近三个月物业费全额减免",
                             requested_by=self.cashier, requested_at=decided - timedelta(days=2),
                             decided_by=self.manager, decided_at=decided, decision_note="同意，按街道兜底政策全额减免",
                             revoked_by=None, revoked_at=None, revoke_reason=None))
        # and one waiting for the manager: half of an elderly owner's latest overdue bill
        waiting = next((b for u, _d, parts, _m in reversed(self.plans) for b, _f in parts
                        if u.row["kind"] == "residential" and u.profile == "sporadic" and b["status"] == "open"),
                       None) or next((b for b in self._open_bills() if b["source"] == "generated"), None)
        if waiting is not None:
            rows.append(dict(tenant_id=self.tenant_id, community_id=self.cid, bill_id=waiting["id"], kind="discount",
                             amount_fen=(waiting["amount_fen"] - waiting["paid_fen"]) // 2, reason="elderly",
                             status="requested", explanation="独居高龄老人，子女在外地，申请减半收取",
                             requested_by=self.cashier, requested_at=at(self.last_day, 9, 40), decided_by=None,
                             decided_at=None, decision_note=None, revoked_by=None, revoked_at=None,
                             revoke_reason=None))
        if rows:
            db.session.execute(_bulk(Discount), rows)

    def _open_bills(self):
        return sorted((b for b in self._all_bills if b["status"] == "open"),
                      key=lambda b: b["period_start"])

    def _reminders(self, units: list[_Unit]) -> None:
        """Households more than 60 days in arrears, reminded in the last weeks."""
        rows = []
        channels = ("notice", "phone", "visit")
        for u in units:
            if u.row["kind"] != "residential" or u.row["household_id"] is None:
                continue
            overdue = [b for b in u.old + u.bills
                       if b["status"] == "open" and b["due_on"] <= self.today - timedelta(days=60)]
            if not overdue or self.rng.random() < 0.5:
                continue
            channel = channels[len(rows) % 3]
            rows.append(dict(tenant_id=self.tenant_id, community_id=self.cid, fee_unit_id=u.row["id"],
                             household_id=u.row["household_id"], channel=channel, bills=len(overdue),
                             owed_fen=sum(b["amount_fen"] - b["discount_fen"] - b["paid_fen"] for b in overdue),
                             result="noted", sent_by=self.cashier,
                             sent_at=self.moment(self.today - timedelta(days=self.rng.randint(3, 25))),
                             note={"notice": "书面催缴通知已张贴并送达", "phone": "电话联系，答应月底前来缴",
                                   "visit": "上门沟通，住户反映经济困难，建议申请减免"}[channel]))
            if len(rows) == 18:
                break
        if rows:
            db.session.execute(_bulk(Reminder), rows)

    # --- other income and spending ---------------------------------------------------------------------

    def entries(self, sites, units: list[_Unit]) -> None:
        rows = []
        first_month = add_months(period_of("monthly", self.today).start, -11)
        for sid, site_name, style in sites:
            billed = sum(b["amount_fen"] for u in units if u.row["site_id"] == sid for b in u.bills)
            cost = Decimal(billed) / 100 / 12 * COST_FACTOR[style]  # 元 a month
            if not cost:
                continue
            for m in range(12):
                month = add_months(first_month, m)
                for category, share, description, counterparty in SPENDING:
                    factor = Decimal(1)
                    if category == "repairs":
                        factor = Decimal(self.rng.randint(40, 190)) / 100
                    elif category == "utilities" and month.month in (1, 7, 8, 12):
                        factor = Decimal("1.3")
                    elif category == "greening":
                        factor = Decimal("1.6") if month.month in (3, 4, 5) else \
                            Decimal("0.5") if month.month in (12, 1, 2) else Decimal(1)
                    day = month + timedelta(days=9 if category in ("staff", "cleaning", "security") else
                                            self.rng.randint(12, 26))
                    rows.append(self._entry(sid, "spending", category, cost * share * factor, day,
                                            f"{site_name}：{month:%Y年%m月}{description}", counterparty, month))
                for category, share, description, counterparty in INCOME[style]:
                    rows.append(self._entry(sid, "income", category, cost * share, month + timedelta(days=4),
                                            f"{site_name}：{month:%Y年%m月}{description}", counterparty, month))
                if style == "street" and month.month % 3 == 2:  # the quarter's subsidy, in its second month
                    quarter = (month.month - 1) // 3 + 1
                    rows.append(self._entry(sid, "income", "subsidy", cost * SUBSIDY_SHARE,
                                            month + timedelta(days=14),
                                            f"{site_name}：{month.year}年第{'一二三四'[quarter - 1]}季度还建小区物业服务财政补贴",
                                            "区财政局", month))
        rows = [r for r in rows if r["occurred_on"] <= self.last_day]
        if rows:  # one entered twice by mistake, cancelled
            twice = dict(rows[-1], voucher_no=None)
            twice.update(cancelled_by=self.manager, cancelled_at=at(self.last_day, 16, 0),
                         cancel_reason="重复录入，作废")
            rows.append(twice)
            db.session.execute(_bulk(Entry), rows)

    def _entry(self, site_id, direction, category, yuan, day: date, description, counterparty, month) -> dict:
        self._voucher = getattr(self, "_voucher", 0) + 1
        return dict(tenant_id=self.tenant_id, community_id=self.cid, site_id=site_id, direction=direction,
                    category=category, amount_fen=int(Decimal(yuan).quantize(Decimal(1))) * 100,
                    occurred_on=min(day, month.replace(day=28)), description=description[:300],
                    counterparty=counterparty, voucher_no=f"记-{month:%Y%m}-{self._voucher:03d}",
                    recorded_by=self.manager, created_at=at(min(day, self.last_day), 17, 0), cancelled_by=None,
                    cancelled_at=None, cancel_reason=None)
