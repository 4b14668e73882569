"""HTTP endpoints, mounted by wuye under /api/v1/plugins/legacy.

wuye answers 404 here wherever the plugin is not enabled for the community in the path, so
the views need not check.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from wuye_core.api.access import require_staff
from wuye_core.extensions import db
from wuye_core.households.access import readable_community
from wuye_core.plugins import services

from .models import Note

blp = Blueprint("legacy", __name__, url_prefix="/communities/<int:community_id>/notes",
                description="legacy: 便签 / notes")


class NoteIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=200))


class NoteOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    text = fields.String()
    created_at = fields.DateTime()


@blp.route("")
class Notes(MethodView):
    @blp.response(200, NoteOut(many=True))
    def get(self, community_id):
        """便签列表 / List notes"""
        return db.session.scalars(select(Note).where(Note.community_id == community_id).order_by(Note.id)).all()

    @blp.arguments(NoteIn)
    @blp.response(201, NoteOut)
    def post(self, data, community_id):
        """新建便签 / Add a note"""
        if not require_staff().can_write(community_id):
            abort(403)
        note = Note(community_id=community_id, text=data["text"])
        db.session.add(note)
        db.session.commit()
        return note


class EscalateIn(Schema):
    site_id = fields.Integer(required=True)
    title = fields.String(required=True)


class EscalateOut(Schema):
    ticket_id = fields.Integer()


@blp.route("/escalate")
class Escalate(MethodView):
    @blp.arguments(EscalateIn)
    @blp.response(201, EscalateOut)
    def post(self, data, community_id):
        """便签转工单 / Turn a note into a ticket (API 1.x: open_ticket commits)"""
        readable_community(community_id)
        ticket_id = services.open_ticket(community_id, site_id=data["site_id"], title=data["title"],
                                         category="其他", actor=require_staff().username, channel="phone")
        return {"ticket_id": ticket_id}
