"""What plugins use of disclosures (re-exported by wuye_core.plugins, docs/plugins.md §3): publish
a document a plugin built — e.g. the `fees` plugin's quarterly statement of income and spending
(#22) — to a community or site, with its files, as staff publish one. Commits nothing: the
plugin's request or job does (and the upload's stored file without a row, if it rolls back, is
unreachable)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ..errors import invalid
from ..i18n import N_
from . import service
from .files import add_content


def publish_disclosure(community_id: int, *, kind: str, title: str, period_start: date, period_end: date,
                       publish_from: date, publish_until: date, summary: str | None = None,
                       site_id: int | None = None, files: Iterable[tuple[str, bytes]] = (),
                       by: str | None = None) -> int:
    """Publish version 1 of a disclosure, with `files` as (file name, content) — PDF, .xlsx, .docx,
    JPEG or PNG, checked as uploads are — and return its id. Who may publish is the plugin's
    decision (a job has no caller); a signed-in caller must read the community (else a 422 naming
    `community_id`). Refusals are the API's: DomainError naming the field (`period_end`,
    `publish_until`, `site_id`, `file`…). `by`: who it is recorded as when there is no caller
    (e.g. the plugin's name)."""
    from flask import g, has_request_context

    identity = getattr(g, "identity", None) if has_request_context() else None
    actor = identity.username if identity is not None else by

    def authorize(community) -> None:
        if identity is not None and not identity.can_read(community.id):
            invalid("community_id", N_("Does not exist."))

    ids = [add_content(content, filename, actor).id for filename, content in files]
    disclosure = service.publish(community_id=community_id, site_id=site_id, kind=kind, title=title, summary=summary,
                                 period_start=period_start, period_end=period_end, publish_from=publish_from,
                                 publish_until=publish_until, file_ids=ids, actor=actor, authorize=authorize)
    return disclosure.id
