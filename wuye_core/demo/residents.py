"""What the demo residents find on their page: a notice to the whole community, an urgent one to
the demo residents' households (texted: into the log, no SMS provider in the demo; a few phones,
not a building's worth of log lines at `make run`), and the
last quarter's fee statement (物业费收支明细) published with its workbook. Made once: found by
title when `wuye demo` runs again."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..auth.identity import staff_identity
from ..auth.models import StaffUser
from ..common.clock import local_today
from ..common.spreadsheets import XlsxWriter
from ..disclosures.facade import publish_disclosure
from ..disclosures.models import Disclosure
from ..events import commit
from ..extensions import db
from ..notices import service as notices
from ..notices.models import Notice

ADMIN = "admin"  # each demo tenant's administrator publishes them
ORDINARY = ("电梯年度检验通知", "本周六上午 9:00–11:00 对小区电梯进行年度检验，期间请走楼梯，给您带来不便敬请谅解。")
URGENT = ("紧急停水通知", "因供水管道抢修，您家今天 14:00–18:00 停水，请提前储水。抢修进度请留意后续公告。")
# the quarter's statement: income and spending by line (元), as a company publishes it
STATEMENT = (("收入", "物业服务费", 41_580.00), ("收入", "门面租金", 18_000.00), ("收入", "车位租赁", 9_600.00),
             ("收入", "财政补贴", 30_000.00), ("支出", "保洁、保安人员工资", 72_300.00),
             ("支出", "公共区域水电", 8_450.50), ("支出", "设施设备维修", 12_780.00), ("支出", "绿化养护", 4_200.00))


def _last_quarter(today: date) -> tuple[date, date, str]:
    first_month = (today.month - 1) // 3 * 3 + 1  # this quarter's
    end = date(today.year, first_month, 1) - timedelta(days=1)
    start = date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    return start, end, f"{end.year}年第{'一二三四'[(end.month - 1) // 3]}季度"


def _statement(title: str) -> bytes:
    book = XlsxWriter()
    sheet = book.sheet("收支明细", header=["类别", "项目", "金额（元）"], widths=[10, 24, 14], freeze="A2")
    for row in STATEMENT:
        sheet.append(list(row))
    income = sum(amount for kind, _, amount in STATEMENT if kind == "收入")
    spending = sum(amount for kind, _, amount in STATEMENT if kind == "支出")
    sheet.append(["合计", "收入 − 支出", round(income - spending, 2)])
    return book.to_bytes()


def load_demo_notices_and_disclosures(community_id: int, household_ids: list[int]) -> None:
    """In the tenant's context: the community's demo notices and statement, each committed."""
    admin = db.session.scalar(select(StaffUser).where(StaffUser.username == ADMIN))
    if admin is None:
        return
    identity = staff_identity(admin)
    if _notice(community_id, ORDINARY[0]) is None:
        notices.publish({"community_id": community_id, "audience": "community", "title": ORDINARY[0],
                         "body": ORDINARY[1], "kind": "ordinary"}, identity)
        commit()
    if household_ids and _notice(community_id, URGENT[0]) is None:
        notices.publish({"community_id": community_id, "audience": "households", "household_ids": household_ids,
                         "title": URGENT[0], "body": URGENT[1], "kind": "urgent", "category": "water"}, identity)
        commit()  # texted after the commit (the log, in the demo)
    start, end, quarter = _last_quarter(local_today())
    title = f"{quarter}物业费收支明细"
    if db.session.scalar(select(Disclosure.id).where(Disclosure.community_id == community_id,
                                                     Disclosure.title == title).limit(1)) is None:
        publish_disclosure(community_id, kind="income_spending", title=title, period_start=start, period_end=end,
                           publish_from=local_today(), publish_until=local_today() + timedelta(days=30),
                           summary="本季度物业服务费、门面租金、车位租赁和财政补贴收入，以及人员工资、公共水电、维修、"
                                   "绿化支出明细，详见附件。如有疑问请到社区一站式服务窗口咨询。",
                           files=[(f"{title}.xlsx", _statement(title))], by=ADMIN)
        commit()


def _notice(community_id: int, title: str) -> int | None:
    return db.session.scalar(select(Notice.id).where(Notice.community_id == community_id, Notice.title == title)
                             .limit(1))

