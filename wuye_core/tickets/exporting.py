"""The tickets' Excel downloads as one piece each — which communities, the access check, the
audit record and the file — called by the API (tickets/kpi_routes.py) and the console
(console/downloads.py) alike, so both doors answer the same file to the same people."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from ..api.access import require_staff
from ..audit import record
from ..common.spreadsheets import download_name, xlsx_response
from ..errors import invalid
from ..extensions import db
from ..households.models import Community
from ..i18n import N_
from . import export, kpis


def readable_communities() -> dict[int, str]:
    """{id: name} of the communities the caller can read, by id."""
    readable = require_staff().readable_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if readable is not None:
        stmt = stmt.where(Community.id.in_(readable or [-1]))
    return {c: name for c, name in db.session.execute(stmt)}


def tenant_kpis(period: kpis.Period) -> dict:
    """The totals of the readable communities and each one's figures (one pair of statements)."""
    names = readable_communities()
    figures = kpis.compute(period, names, by_community=True)
    figures["communities"] = [{"community_id": c, "name": names[c], **f} for c, f in figures["communities"].items()]
    return {"community_id": None, **figures}


def span(period: kpis.Period) -> str:
    return f"{period.first.isoformat()}_{period.last.isoformat()}"


def tenant_kpis_xlsx(period: kpis.Period) -> Response:
    """The KPIs of every readable community, with a sheet of one row per community."""
    figures = tenant_kpis(period)
    return xlsx_response(lambda out: export.write_kpis(out, figures, "全部社区", figures["communities"]),
                         download_name("kpis-all", span(period), ext="xlsx"),
                         download_name("工单指标", "全部社区", f"{period.first}至{period.last}", ext="xlsx"))


def community_kpis_xlsx(community: Community, period: kpis.Period) -> Response:
    """One community's KPIs (the caller has checked it may read `community`)."""
    figures = kpis.compute(period, [community.id])
    return xlsx_response(lambda out: export.write_kpis(out, figures, community.name),
                         download_name("kpis-community", community.id, span(period), ext="xlsx"),
                         download_name("工单指标", community.name, f"{period.first}至{period.last}", ext="xlsx"))


def tickets_xlsx(period: kpis.Period, community_id: int | None) -> Response:
    """The period's tickets of one readable community (or of all of them), audited as
    `tickets.exported`; Invalid (on the query's `community_id` or `to`) for a community the caller
    cannot read or a period with too many tickets."""
    require_staff()
    if community_id is not None:
        community = db.session.get(Community, community_id)
        if community is None or not require_staff().can_read(community.id):
            invalid("community_id", N_("Does not exist."), location="query")
        ids, scope, ascii_scope = [community.id], community.name, f"community-{community.id}"
    else:
        ids, scope, ascii_scope = list(readable_communities()), "全部社区", "all"
    if export.count_tickets(period, ids) > export.MAX_EXPORT_ROWS:
        invalid("to", N_("Too many tickets to export at once; choose a shorter period."), location="query")
    record("tickets.exported", details={"from": str(period.first), "to": str(period.last), "communities": ids})
    return xlsx_response(lambda out: export.write_tickets(out, period, ids),
                         download_name("tickets", ascii_scope, span(period), ext="xlsx"),
                         download_name("工单台账", scope, f"{period.first}至{period.last}", ext="xlsx"))
