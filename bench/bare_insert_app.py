"""The baseline of bench/ticket_create.py: a bare Flask + Flask-SQLAlchemy app that inserts a
ticket row into wuye's own `tickets` table — no authentication, no validation, no tenancy
framework, no SLA lookup, no history row, no outbox, no serialization beyond the new id.

    BARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wuye_bench_tickets \\
        .venv/bin/gunicorn -k sync -w 4 --pythonpath bench bare_insert_app:app

POST /tickets takes the JSON wuye's POST /api/v1/tickets takes, plus `tenant_id`, and fills
the same columns the real endpoint fills (status, created_by, created_at, reopened_count,
the "5341" SLA deadlines and policy name); answers 201 {"id": …}. GET /readyz: 200.

BARE_DATABASE_URL: by default the table owner (a superuser here: RLS does not apply). With
BARE_SET_TENANT=1 the transaction first runs set_config('app.tenant_id', …, true) like wuye
does, so it can connect as the app role `wuye_app` under FORCE ROW LEVEL SECURITY.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

URL = os.environ.get("BARE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wuye_bench_tickets")
SET_TENANT = os.environ.get("BARE_SET_TENANT") == "1"
ARRIVE, RESOLVE = timedelta(minutes=5), timedelta(minutes=30)  # "5341", priority normal


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Ticket(db.Model):
    """The columns of wuye's `tickets` that its create endpoint fills (the table is wuye's)."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(200))
    reporter_resident_id: Mapped[int | None] = mapped_column(Integer)
    reporter_name: Mapped[str | None] = mapped_column(String(50))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reopened_count: Mapped[int] = mapped_column(Integer)
    arrive_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolve_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_policy: Mapped[str | None] = mapped_column(String(40))


FIELDS = ("tenant_id", "community_id", "site_id", "building_id", "unit_id", "household_id", "location",
          "reporter_resident_id", "reporter_name", "reporter_phone", "channel", "kind", "category", "title",
          "description", "priority")

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = URL.replace("postgresql://", "postgresql+psycopg://", 1)
db.init_app(app)


@app.post("/tickets")
def create_ticket():
    data = request.get_json()
    now = datetime.now(UTC)
    ticket = Ticket(**{k: data.get(k) for k in FIELDS}, status="submitted", created_by="admin", created_at=now,
                    reopened_count=0, arrive_due_at=now + ARRIVE, resolve_due_at=now + RESOLVE, sla_policy="5341")
    if SET_TENANT:
        db.session.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(ticket.tenant_id)})
    db.session.add(ticket)
    db.session.flush()
    ticket_id = ticket.id
    db.session.commit()
    return jsonify(id=ticket_id), 201


@app.get("/readyz")
def readyz():
    return jsonify(status="ok")
