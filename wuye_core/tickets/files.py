"""A ticket's files (photos from the site, documents), for every edge: storing an upload and
answering a download (both through storage/files.py, as disclosures do). Who may do either is the
edges' check (tickets/access.py: readable_ticket to download, workable_ticket to upload)."""

from __future__ import annotations

from flask_smorest import abort

from ..extensions import db
from ..storage.files import file_response, keep_upload, storage
from .models import Ticket, TicketAttachment


def store_upload(ticket: Ticket, upload, actor: str) -> TicketAttachment:
    """Check an uploaded file (its type from its content, its size), keep it and its row;
    committed here (no row without its file, no file without its row). 422 on `file` when refused."""
    kept = keep_upload(upload, ticket.tenant_id, "ticket")
    attachment = TicketAttachment(ticket_id=ticket.id, filename=kept.filename, content_type=kept.content_type,
                                  size=kept.size, storage_key=kept.storage_key, uploaded_by=actor)
    db.session.add(attachment)
    try:
        db.session.commit()
    except Exception:
        storage().delete(kept.storage_key)  # no row, no file
        raise
    return attachment


def attachment_response(ticket: Ticket, attachment_id: int):
    """The attachment's file as a response (a photo shown, a PDF downloaded); 404 when the
    ticket has no such attachment or its file is gone."""
    attachment = db.session.get(TicketAttachment, attachment_id)  # tenant-scoped by the framework
    if attachment is None or attachment.ticket_id != ticket.id:
        abort(404)
    return file_response(attachment.storage_key, attachment.content_type, attachment.filename)
