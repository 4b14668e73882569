"""A ticket's files (photos from the site, documents), for every edge: storing an upload and
answering a download. Who may do either is the edges' check (tickets/access.py: readable_ticket
to download, workable_ticket to upload)."""

from __future__ import annotations

from flask import current_app, send_file
from flask_smorest import abort

from ..errors import invalid
from ..extensions import db
from ..storage import UploadRejected, check_upload, clean_filename, new_key
from .models import Ticket, TicketAttachment


def storage():
    return current_app.extensions["wuye_storage"]


def store_upload(ticket: Ticket, upload, actor: str) -> TicketAttachment:
    """Check an uploaded file (its type from its content, its size), keep it and its row;
    committed here (no row without its file, no file without its row). 422 on `file` when refused."""
    try:
        content_type, size = check_upload(upload.filename, upload.mimetype, upload.stream,
                                          current_app.config["WUYE"].upload_max_bytes)
    except UploadRejected as exc:
        invalid(exc.field, exc.reason, location="files")
    key = new_key(ticket.tenant_id, "ticket")
    storage().put(key, upload.stream, content_type, size)
    attachment = TicketAttachment(ticket_id=ticket.id, filename=clean_filename(upload.filename or "file"),
                                  content_type=content_type, size=size, storage_key=key, uploaded_by=actor)
    db.session.add(attachment)
    try:
        db.session.commit()
    except Exception:
        storage().delete(key)  # no row, no file
        raise
    return attachment


def attachment_response(ticket: Ticket, attachment_id: int):
    """The attachment's file as a response (a PDF as a download, a photo shown); 404 when the
    ticket has no such attachment or its file is gone."""
    attachment = db.session.get(TicketAttachment, attachment_id)  # tenant-scoped by the framework
    if attachment is None or attachment.ticket_id != ticket.id:
        abort(404)
    try:
        stream = storage().open(attachment.storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=attachment.content_type, download_name=attachment.filename,
                         as_attachment=attachment.content_type == "application/pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
