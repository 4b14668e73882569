"""Demo data: a care register of a few dozen residents per community with a year of visits.

Idempotent (nothing is added where the community has care data) and deterministic (seeded
from the community id). Rows are written directly, without events: a demo is no news.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from wuye_core.plugins import Resident, db

from . import service, vocab
from .models import CarePerson, CarePlanItem, CareReferral, CareVisit

PEOPLE = 36
NEEDS_TEXT = {
    "medical": "慢性病需定期复诊，行动不便",
    "loneliness": "子女在外地，平时少有人说话",
    "bills": "冬季取暖费用压力较大",
    "repairs": "卫生间水龙头漏水",
    "daily_goods": "米面油不足",
}


def add_demo_data(community_id: int, config: dict, today: date) -> None:
    if db.session.scalar(select(func.count(CarePerson.id)).where(CarePerson.community_id == community_id)):
        return
    rng = random.Random(f"care_visits-{community_id}")
    residents = db.session.scalars(
        select(Resident).where(Resident.community_id == community_id).order_by(Resident.id).limit(400)
    ).all()
    if not residents:
        return
    chosen = rng.sample(residents, min(PEOPLE, len(residents)))
    difficulty_codes = list(vocab.DIFFICULTIES)
    for index, resident in enumerate(chosen):
        level = "A" if index % 6 == 0 else ("B" if index % 3 == 0 else "C")
        person = CarePerson(
            community_id=community_id,
            resident_id=resident.id,
            level=level,
            active=True,
            difficulty_flags=vocab.to_flags(
                rng.sample(difficulty_codes, rng.randint(1, 3)), vocab.DIFFICULTIES
            ),
            health_details="高血压、糖尿病，需按时服药" if rng.random() < 0.5 else None,
            hardship_details="享受低保，月收入较低" if rng.random() < 0.4 else None,
            emergency_contacts=json.dumps(
                [{"name": "家属", "relation": "子女", "phone": f"139{rng.randint(10_000_000, 99_999_999)}"}],
                ensure_ascii=False,
            ),
            consent_visits=True,
            consent_photos=rng.random() < 0.5,
            consent_sharing=["civil_affairs", "residents_committee"],
            consent_recorded_on=today - timedelta(days=380),
            created_at=datetime.combine(today - timedelta(days=380), datetime.min.time(), UTC),
        )
        db.session.add(person)
        db.session.flush()
        step = service.interval_days(config, level)
        day = today - timedelta(days=365 - rng.randint(0, 20))
        last, planned = None, set()
        while day <= today:
            outcome = rng.choices(["visited", "not_home", "refused"], [0.85, 0.1, 0.05])[0]
            needs = rng.sample(list(NEEDS_TEXT), rng.randint(0, 2)) if outcome == "visited" else []
            high = outcome == "visited" and rng.random() < 0.06
            visit = CareVisit(
                community_id=community_id,
                person_id=person.id,
                visited_on=day,
                visitors="物业关爱小组",
                outcome=outcome,
                created_by="demo",
                need_flags=vocab.to_flags(needs, vocab.NEEDS),
                main_needs="；".join(NEEDS_TEXT[n] for n in needs) or None,
                help_flags=vocab.to_flags(
                    ["comfort"] + (["repairs"] if "repairs" in needs else []), vocab.HELP
                )
                if outcome == "visited"
                else 0,
                living_conditions="居住环境整洁" if outcome == "visited" else None,
                risk_health="high" if high else rng.choice(["none", "low", "medium"]),
                risk_safety=rng.choice(["none", "low"]),
                risk_social=rng.choice(["none", "low"]),
                recommendation="建议链接社区医生上门随访" if "medical" in needs else None,
            )
            db.session.add(visit)
            period = day.strftime("%Y-%m")
            if (
                period not in planned
            ):  # the month's plan held this visit: done, or still open after an attempt
                planned.add(period)
                db.session.flush()
                db.session.add(
                    CarePlanItem(
                        community_id=community_id,
                        person_id=person.id,
                        period=period,
                        kind="regular",
                        due_on=day,
                        assignee_id=None,
                        status="done" if outcome == "visited" else "planned",
                        visit_id=visit.id if outcome == "visited" else None,
                    )
                )
            if outcome == "visited":
                last = visit
                if "bills" in needs and rng.random() < 0.5:
                    db.session.flush()
                    db.session.add(
                        CareReferral(
                            community_id=community_id,
                            visit_id=visit.id,
                            person_id=person.id,
                            body="civil_affairs",
                            note="协助申请临时救助",
                            created_by="demo",
                            referred_on=day,
                            status="resolved" if day < today - timedelta(days=60) else "open",
                            outcome="已获临时救助" if day < today - timedelta(days=60) else None,
                            closed_on=day + timedelta(days=30) if day < today - timedelta(days=60) else None,
                        )
                    )
            day += timedelta(days=max(7, step + rng.randint(-7, 10)))
        if last is not None:
            person.last_visit_on = last.visited_on
            person.high_risk = last.has_high_risk
        person.next_due_on = service.compute_due(person, config)
    db.session.commit()
    service.generate_plan(community_id, today.strftime("%Y-%m"))  # this month's plan, from the levels
