"""What plugins use of disclosures (re-exported by wuye_core.plugins, docs/plugins.md §3): publish
a document a plugin built — e.g. the `fees` plugin's quarterly statement of income and spending
(#22) — to a community or site, with its files, as staff publish one; correct it (a new version,
API 1.13) and read where it stands (`disclosure_info`). Commits nothing: the
plugin's request or job does (and the upload's stored file without a row, if it rolls back, is
unreachable)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..common.locking import get_for_update
from ..errors import invalid
from ..extensions import db
from ..i18n import N_
from . import service
from .files import add_content
from .models import Disclosure, DisclosureVersion


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
    identity = _caller()
    actor = identity.username if identity is not None else by

    def authorize(community) -> None:
        if identity is not None and not identity.can_read(community.id):
            invalid("community_id", N_("Does not exist."))

    ids = [add_content(content, filename, actor).id for filename, content in files]
    disclosure = service.publish(community_id=community_id, site_id=site_id, kind=kind, title=title, summary=summary,
                                 period_start=period_start, period_end=period_end, publish_from=publish_from,
                                 publish_until=publish_until, file_ids=ids, actor=actor, authorize=authorize)
    return disclosure.id


@dataclass(frozen=True)
class DisclosureInfo:
    """Where a disclosure stands (API 1.13, `disclosure_info`): its current version's title, number
    and publication period, and its status today — "current", "scheduled", "ended" or "withdrawn"."""

    id: int
    community_id: int
    site_id: int | None
    kind: str
    title: str
    version: int
    status: str
    publish_from: date
    publish_until: date


def disclosure_info(disclosure_id: int) -> DisclosureInfo | None:
    """The disclosure of the current tenant with that id, or None (none; a signed-in caller who
    cannot read its community gets None too)."""
    disclosure = _readable(db.session.get(Disclosure, disclosure_id))
    if disclosure is None:
        return None
    return DisclosureInfo(disclosure.id, disclosure.community_id, disclosure.site_id, disclosure.kind.value,
                          disclosure.title, disclosure.version, service.status_of(disclosure),
                          disclosure.publish_from, disclosure.publish_until)


def correct_disclosure(disclosure_id: int, *, reason: str, title: str | None = None, summary: str | None = None,
                       period_start: date | None = None, period_end: date | None = None,
                       publish_from: date | None = None, publish_until: date | None = None,
                       files: Iterable[tuple[str, bytes]] | None = None, by: str | None = None) -> int:
    """Publish version N+1 of a disclosure — one the plugin published — as staff correct one, and
    return its number. `reason` (residents read it) is required; values left None keep the earlier
    version's; `files` as (file name, content) replace its files (checked as uploads are; `[]`:
    none), None keeps them. The disclosure is locked until the caller's transaction ends (lock your
    own rows first). Refusals: DomainError naming the field — `disclosure_id` (none in the tenant,
    or a signed-in caller who cannot read its community), `reason`, `title`, `period_end`,
    `publish_until`, `file`… —, 409 once withdrawn. `by`: who it is recorded as when there is no
    caller. Commits nothing. API 1.13."""
    identity = _caller()
    actor = identity.username if identity is not None else by
    disclosure = _readable(get_for_update(Disclosure, disclosure_id))
    if disclosure is None:
        invalid("disclosure_id", N_("Does not exist."))
    texts = _texts(reason=reason, title=title, summary=summary)  # the API's limits, its 422s
    if files is None:  # the current version's files, kept
        current = db.session.scalar(select(DisclosureVersion.id).where(
            DisclosureVersion.disclosure_id == disclosure.id, DisclosureVersion.version == disclosure.version))
        ids = [f.id for f in service.files_of([current])[current]]
    else:
        ids = [add_content(content, filename, actor).id for filename, content in files]
    corrected = service.correct(disclosure, reason=texts["reason"], actor=actor, file_ids=ids,
                                title=texts.get("title"), summary=texts.get("summary"), period_start=period_start, period_end=period_end, publish_from=publish_from,
                                publish_until=publish_until)
    return corrected.version


def _texts(**values) -> dict:
    """The texts loaded as the correction endpoint loads them (stripped; too long, blank: a 422
    naming the argument)."""
    from marshmallow import ValidationError

    from ..errors import DomainError
    from .schemas import CorrectionIn

    given = {name: value for name, value in values.items() if value is not None}
    try:
        return CorrectionIn(only=tuple(values)).load(given)
    except ValidationError as exc:
        raise DomainError(errors={"json": exc.messages}) from None


def _caller():
    from flask import g, has_request_context

    return getattr(g, "identity", None) if has_request_context() else None


def _readable(disclosure: Disclosure | None) -> Disclosure | None:
    identity = _caller()
    if disclosure is not None and identity is not None and not identity.can_read(disclosure.community_id):
        return None
    return disclosure
