"""Photos and attachments of tickets, kept in the configured storage, served to the owning tenant only."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import fields, post_dump
from sqlalchemy import select

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate
from ..auth.names import add_display_names
from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from .access import readable_ticket, workable_ticket
from .files import attachment_response, store_upload
from .models import TicketAttachment
from .schemas import AttachmentQuery

# Its own blueprint under the tickets' prefix, registered by app.py (importing this module adds
# nothing to anyone else's blueprint).
blp = Blueprint("ticket_attachments", __name__, url_prefix="/api/v1/tickets",
                description="工单附件 / Ticket attachments")


class UploadIn(StrictSchema):
    file = Upload(required=True, metadata={"description": "JPEG/PNG/WEBP/PDF，默认不超过 10 MiB"})


class AttachmentOut(StrictSchema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    uploaded_by_name = fields.String(allow_none=True, dump_only=True, metadata={
        "description": "上传人的姓名（无姓名时为用户名）/ who uploaded it, by display name (else the username)"})

    @post_dump(pass_collection=True)
    def _names(self, data, many, **kwargs):
        return add_display_names(data, many, uploaded_by="uploaded_by_name")


@blp.route("/<int:ticket_id>/attachments", endpoint="ticket_attachments")
class Attachments(MethodView):
    @blp.arguments(AttachmentQuery, location="query")
    @blp.response(200, page_schema(AttachmentOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, ticket_id):
        """工单附件列表（默认最新在前）/ A ticket's attachments, newest first"""
        ticket = readable_ticket(ticket_id)
        return paginate(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id), TicketAttachment,
                        args)

    @blp.arguments(UploadIn, location="files")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, files, ticket_id):
        """上传照片或附件 / Upload a photo or document (type checked from its content)

        可写的工作人员，以及工单派给其本人或本班组的维修工（现场照片）。/ Staff who may write in the
        community, and the worker (or team) the ticket is dispatched to (photos from the site)."""
        ticket = workable_ticket(ticket_id, lock=False)  # the upload changes no ticket state
        return store_upload(ticket, files["file"], require_staff().username)


@blp.route("/<int:ticket_id>/attachments/<int:attachment_id>", endpoint="ticket_attachment")
class AttachmentFile(MethodView):
    @blp.response(200, description="文件内容 / the file")
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, ticket_id, attachment_id):
        """下载附件 / Download an attachment"""
        return attachment_response(readable_ticket(ticket_id), attachment_id)
