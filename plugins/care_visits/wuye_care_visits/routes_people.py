"""关爱档案 / the care register: people, their export and erasure, the access log, figures.

Every view starts with `care_community` / `care_object` (access.py): 404 without a care role.
Every view declares its access-log action (`@audited`) and writes the row with `audit(...)`:
lists (masked names and phones) as a list view, one person's record with the person (who,
what, when, and an optional `?reason=`), a change in the change's own transaction.
"""

from __future__ import annotations

import base64

from flask.views import MethodView
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    current_identity,
    db,
    page_schema,
    paginate,
    record_audit,
)

from . import listing, service
from . import schemas as s
from .access import CareBlueprint, audit, audited, care_community, care_object, watermark
from .figures import care_figures
from .models import CareAccessLog, CarePerson, CarePhoto, CareVisit

blp = CareBlueprint(
    "care_people",
    __name__,
    url_prefix="",
    description="走访关爱 · 关爱档案 / Care visits: the care register (care_worker, care_supervisor only)",
)

REASON_DOC = {
    "parameters": [
        {
            "in": "query",
            "name": "reason",
            "required": False,
            "schema": {"type": "string"},
            "description": "查看原因（记入访问审计）/ why you open it (written to the access log)",
        }
    ]
}


LOG_FIELDS = ("id", "community_id", "user_id", "username", "action", "person_id", "object_type", "object_id",
              "reason", "at")


@blp.route("/communities/<int:community_id>/people")
class People(MethodView):
    @audited("list_people")
    @blp.arguments(s.PersonQuery, location="query")
    @blp.response(200, page_schema(s.PersonListOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """关爱对象列表（姓名、电话脱敏；默认最新登记的在前）/ The register, masked, newest first"""
        care_community(community_id)
        page = paginate(listing.people_query(community_id, args), CarePerson, args)
        page["items"] = listing.people_out(page["items"])
        audit(community_id)  # commits: serialise first, so the rows need no reload
        return page

    @audited("create_person")
    @blp.arguments(s.PersonIn)
    @blp.response(201, s.PersonOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记关爱对象：已登记的居民（resident_id），或新居民（new_resident：关爱走访员一次登记进房屋台账和关爱档案，
        同一事务）/ Put a resident on the care register: a registered one (resident_id), or a new one
        (new_resident: a care worker of the community adds them to the housing register too, in one transaction)"""
        care_community(community_id)
        person = service.register_person(
            community_id, data, current_identity(),
            audit=lambda p: audit(community_id, p.id, "person", p.id, commit=False))
        return listing.person_detail(person)


@blp.route("/people/<int:person_id>")
class Person(MethodView):
    @audited("read_person")
    @blp.doc(**REASON_DOC)
    @blp.response(200, s.PersonOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, person_id):
        """打开关爱档案（记入审计）/ Open one person's care record (audited)"""
        person = care_object(CarePerson, person_id)
        audit(person.community_id, person.id, "person", person.id)
        return listing.person_detail(person)

    @audited("change_person")
    @blp.arguments(s.PersonPatch(partial=True))
    @blp.response(200, s.PersonOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, person_id):
        """修改档案（分级、困难类型、同意书…）/ Change a record"""
        person = care_object(CarePerson, person_id, lock=True)
        service.check_alive(person)
        service.apply_person(person, data)
        service.refresh_due(person)
        audit(person.community_id, person.id, "person", person.id)  # commits the change with it
        return listing.person_detail(person)


@blp.route("/people/<int:person_id>/export")
class PersonExport(MethodView):
    @audited("export_person")
    @blp.doc(**REASON_DOC)
    @blp.response(200, s.PersonExportOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, person_id):
        """导出本人关爱数据（审计、水印）/ Export the person's care data (audited, watermarked)"""
        person = care_object(CarePerson, person_id)
        audit(person.community_id, person.id, "person", person.id)
        record_audit("care_visits", "exported", target_type="person", target_id=person.id,
                     details={"file": "person export"})
        from .routes_visits import visit_detail

        visits = db.session.scalars(
            select(CareVisit)
            .where(CareVisit.person_id == person.id)
            .order_by(CareVisit.visited_on, CareVisit.id)
        ).all()
        return {
            "watermark": watermark(),
            "person": listing.person_detail(person),
            "visits": [visit_detail(v) for v in visits],
        }


@blp.route("/people/<int:person_id>/erase")
class PersonErase(MethodView):
    @audited("erase_person")
    @blp.response(200, s.PersonOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, person_id):
        """按本人申请删除关爱数据（主管；审计记录保留）/ Erase on request (supervisor; the audit trail stays)"""
        person = care_object(CarePerson, person_id, supervisor=True, lock=True)
        audit(person.community_id, person.id, "person", person.id, commit=False)  # erase_person commits it
        service.erase_person(person)
        return listing.person_detail(person)


@blp.route("/communities/<int:community_id>/access-log")
class AccessLog(MethodView):
    @audited("read_access_log")
    @blp.arguments(s.AccessLogQuery, location="query")
    @blp.response(200, page_schema(s.AccessLogOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """访问审计（主管；默认最新在前）/ The access log (supervisor), newest first"""
        care_community(community_id, supervisor=True)
        stmt = select(CareAccessLog).where(CareAccessLog.community_id == community_id)
        if "person_id" in args:
            stmt = stmt.where(CareAccessLog.person_id == args["person_id"])
        page = paginate(stmt, CareAccessLog, args)
        page["items"] = [{c: getattr(row, c) for c in LOG_FIELDS} for row in page["items"]]  # read before the commit
        audit(community_id, args.get("person_id"))  # a look at who looked is a look too (after the read)
        return page


@blp.route("/communities/<int:community_id>/figures")
class Figures(MethodView):
    @audited("read_figures")
    @blp.response(200, s.CareFigureOut(many=True))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """看板数字：覆盖率、逾期、未解除高风险、未办结转介 / Dashboard figures"""
        care_community(community_id)
        out = [vars(f) for f in care_figures(community_id)]
        audit(community_id)
        return out


@blp.route("/photos/<int:photo_id>")
class Photo(MethodView):
    @audited("read_photo")
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="image/jpeg")
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, photo_id):
        """查看走访照片（记入审计）/ A visit photo (audited)"""
        from flask import Response

        photo = care_object(CarePhoto, photo_id)
        visit = db.session.get(CareVisit, photo.visit_id)
        audit(photo.community_id, visit.person_id, "photo", photo.id)
        return Response(
            base64.b64decode(photo.data),
            mimetype=photo.content_type,
            headers={"Cache-Control": "private, no-store"},
        )
