"""走访记录 / visits, their referrals (转介) and photos (only with the person's consent)."""

from __future__ import annotations

import base64

from flask.views import MethodView
from flask_smorest import abort
from flask_smorest.fields import Upload
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    StrictSchema,
    current_identity,
    db,
    get_for_update,
    invalid,
    page_schema,
    paginate,
)

from . import listing, service, vocab
from . import schemas as s
from .access import CareBlueprint, audit, audited, care_community, care_object, holds_care_role
from .i18n import N_
from .models import CarePerson, CarePhoto, CareReferral, CareVisit

blp = CareBlueprint(
    "care_visits_records",
    __name__,
    url_prefix="",
    description="走访关爱 · 走访记录与转介 / Care visits: visit records and referrals",
)

MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class PhotoIn(StrictSchema):
    file = Upload(required=True, metadata={"description": "照片 JPEG/PNG，≤ 5 MB / a photo"})


def visit_detail(visit: CareVisit) -> dict:
    out = {
        k: getattr(visit, k)
        for k in (
            "id",
            "community_id",
            "person_id",
            "visited_on",
            "visitors",
            "outcome",
            "risk_health",
            "risk_safety",
            "risk_social",
            "next_visit_on",
            "ticket_id",
            "ticket_error",
            "created_by",
            "created_at",
            *service.VISIT_TEXT,
        )
    }
    out["amendable_until"] = service.amendable_until(visit)
    out["amendments"] = service.amendments_of(visit.id)
    out["needs"] = vocab.from_flags(visit.need_flags, vocab.NEEDS)
    out["help"] = vocab.from_flags(visit.help_flags, vocab.HELP)
    out["referrals"] = db.session.scalars(
        select(CareReferral).where(CareReferral.visit_id == visit.id).order_by(CareReferral.id)
    ).all()
    out["photo_ids"] = db.session.scalars(
        select(CarePhoto.id).where(CarePhoto.visit_id == visit.id).order_by(CarePhoto.id)
    ).all()
    return out


@blp.route("/communities/<int:community_id>/visits")
class Visits(MethodView):
    @audited("list_visits")
    @blp.arguments(s.VisitQuery, location="query")
    @blp.response(200, page_schema(s.VisitListOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """走访记录列表（不含文字内容；默认按走访日期新的在前）/ Visits (no free text), newest visit first"""
        care_community(community_id)
        page = paginate(listing.visits_query(community_id, args), CareVisit, args)
        audit(community_id, args.get("person_id"))
        return page

    @audited("create_visit")
    @blp.arguments(s.VisitIn)
    @blp.response(201, s.VisitOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """记录一次走访（高风险：告警事件，可开工单）/ Record a visit (a high risk raises an alert, may open a ticket)"""
        care_community(community_id)
        person = listing.person_to_visit(community_id, data["person_id"])
        visit = service.record_visit(
            person, data, current_identity().username,
            audit=lambda v: audit(v.community_id, v.person_id, "visit", v.id, commit=False),
        )
        return visit_detail(db.session.get(CareVisit, visit.id))


@blp.route("/visits/<int:visit_id>")
class Visit(MethodView):
    @audited("read_visit")
    @blp.response(200, s.VisitOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, visit_id):
        """一次走访的全部记录（记入审计）/ One visit in full (audited)"""
        visit = care_object(CareVisit, visit_id)
        audit(visit.community_id, visit.person_id, "visit", visit.id)
        return visit_detail(visit)

    @audited("amend_visit")
    @blp.arguments(s.VisitPatch(partial=s.AMENDABLE))
    @blp.response(200, s.VisitOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, visit_id):
        """更正走访记录（作者或关爱主管，录入后 amend_days 天内，须写原因；每次更正留痕，可在记录的 amendments 中查看）/
        Amend a visit (its author or a care supervisor, within amend_days of its recording, with a reason;
        every amendment is kept and shown in the visit's `amendments`). Visits are never deleted."""
        found = care_object(CareVisit, visit_id)
        person = get_for_update(CarePerson, found.person_id)  # as when recording: the person first, then the visit
        visit = care_object(CareVisit, visit_id, lock=True)
        identity = current_identity()
        service.amend_visit(
            visit, person, data, identity, holds_care_role(identity, visit.community_id, supervisor=True),
            audit=lambda a: audit(visit.community_id, visit.person_id, "visit", visit.id, commit=False),
        )
        return visit_detail(db.session.get(CareVisit, visit.id))


@blp.route("/visits/<int:visit_id>/referrals")
class VisitReferrals(MethodView):
    @audited("create_referral")
    @blp.arguments(s.ReferralIn)
    @blp.response(201, s.ReferralOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, visit_id):
        """转介（居委会、民政、慈善、社工、法援、医疗）/ Refer to an outside body"""
        visit = care_object(CareVisit, visit_id)
        person = get_for_update(CarePerson, visit.person_id)  # not erased meanwhile: erasure locks it too
        if data["body"] not in (person.consent_sharing or []):
            abort(
                409,
                message=N_("The person has not agreed to share with this body."),
                errors={"json": {"body": [N_("No consent.")]}},
            )
        return service.add_referral(
            visit, data, current_identity().username,
            audit=lambda r: audit(r.community_id, r.person_id, "referral", r.id, commit=False),
        )


@blp.route("/referrals/<int:referral_id>")
class Referral(MethodView):
    @audited("read_referral")
    @blp.response(200, s.ReferralOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, referral_id):
        """一条转介 / A referral"""
        referral = care_object(CareReferral, referral_id)
        audit(referral.community_id, referral.person_id, "referral", referral.id)
        return referral

    @audited("change_referral")
    @blp.arguments(s.ReferralPatch)
    @blp.response(200, s.ReferralOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, referral_id):
        """记录转介进展与结果 / Record a referral's progress and outcome"""
        referral = care_object(CareReferral, referral_id, lock=True)
        # in the move's transaction: a refused move (409) rolls the row back with it
        audit(referral.community_id, referral.person_id, "referral", referral.id, commit=False)
        return service.move_referral(referral, data, current_identity().username)


@blp.route("/communities/<int:community_id>/referrals")
class Referrals(MethodView):
    @audited("list_referrals")
    @blp.arguments(s.ReferralQuery, location="query")
    @blp.response(200, page_schema(s.ReferralOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的转介（可筛未办结；默认最新在前）/ The community's referrals, newest first"""
        care_community(community_id)
        page = paginate(listing.referrals_query(community_id, args), CareReferral, args)
        audit(community_id)
        return page


@blp.route("/visits/<int:visit_id>/photos")
class VisitPhotos(MethodView):
    @audited("add_photo")
    @blp.arguments(PhotoIn, location="files")
    @blp.response(201, s.PhotoOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, files, visit_id):
        """上传走访照片（须本人同意拍照）/ Add a photo (only with the person's consent)"""
        visit = care_object(CareVisit, visit_id)
        data = files["file"].stream.read(MAX_PHOTO + 1)  # read before the person is locked: slow
        if len(data) > MAX_PHOTO:
            invalid("file", N_("The photo is too large."), location="files")
        content_type = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
        if content_type is None:
            invalid("file", N_("Only JPEG or PNG."), location="files")
        person = get_for_update(CarePerson, visit.person_id)  # not erased meanwhile: erasure locks it too
        service.check_alive(person)
        if not person.consent_photos:
            abort(
                409,
                message=N_("The person has not consented to photos."),
                errors={"json": {"file": [N_("No consent to photos.")]}},
            )
        photo = CarePhoto(
            community_id=visit.community_id,
            visit_id=visit.id,
            content_type=content_type,
            data=base64.b64encode(data).decode(),
        )
        db.session.add(photo)
        db.session.flush()
        audit(visit.community_id, visit.person_id, "photo", photo.id)  # commits the photo with it
        return {"id": photo.id, "visit_id": visit.id, "content_type": content_type}
