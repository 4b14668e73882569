"""A community's config document: sections validated by registered schemas, versioned, with history.

The core owns the `core` section; the plugin system (and the tickets module) register more.
Unknown sections are refused, so a typo cannot hide in stored config.
"""

from __future__ import annotations

import copy
from contextvars import ContextVar

from marshmallow import Schema, ValidationError
from sqlalchemy import select

from ..api.access import require_tenant_admin
from ..audit import record
from ..common.fields import Text
from ..common.schemas import StrictSchema
from ..config_history import ConfigRevision
from ..errors import Conflict, DomainError
from ..extensions import db
from ..i18n import N_
from .access import readable_community
from .models import Community


class CoreSection(StrictSchema):
    service_phone = Text(20, allow_none=True, load_default=None, metadata={"description": "服务电话"})
    service_hours = Text(100, load_default="08:30-17:30", metadata={"description": "服务时间"})
    window_address = Text(200, allow_none=True, load_default=None, metadata={"description": "一站式服务窗口地址"})


_sections: dict[str, type[Schema]] = {"core": CoreSection}


def register_section(name: str, schema: type[Schema]) -> None:
    _sections[name] = schema
    _merged.clear()


# True while a document is checked as input (an API PUT, a tenant file), not while a stored one is
# loaded: a section may then refuse what is no longer valid but must still read (a role name whose
# plugin was removed since), rather than make the stored section unreadable.
_CHECKING_INPUT: ContextVar[bool] = ContextVar("wuye_config_input", default=False)


def checking_input() -> bool:
    return _CHECKING_INPUT.get()


def check_config(document: dict) -> tuple[dict, dict]:
    """(the document with every section validated and defaults filled in, errors by section)."""
    errors, result = {}, {}
    for name in document:
        if name not in _sections:
            errors[name] = [N_("Unknown field.")]
    token = _CHECKING_INPUT.set(True)
    try:
        for name, schema in _sections.items():
            try:
                result[name] = schema().load(document.get(name) or {})
            except ValidationError as exc:
                errors[name] = exc.messages
    finally:
        _CHECKING_INPUT.reset(token)
    return result, errors


def validate_config(document: dict) -> dict:
    """Like check_config, but a DomainError (422) naming each bad field."""
    result, errors = check_config(document)
    if errors:
        raise DomainError(errors={"json": {"config": errors}})
    return result


def sections() -> dict[str, type[Schema]]:
    return dict(_sections)


def effective_config(community: Community) -> dict:
    """Stored config with defaults for sections added since it was saved (a copy of your own)."""
    return copy.deepcopy(shared_effective_config(community))


_MERGED_MAX = 1024
_merged: dict[tuple[int, str], dict] = {}


def shared_effective_config(community: Community) -> dict:
    """The same, shared between callers: read it, never modify it.

    Every ticket reads its community's config (categories, SLA); loading each section with its
    schema took longer than the ticket's INSERTs. The result depends on the stored document and
    the registered sections only, so it is remembered under exactly those."""
    stored = community.config or {}
    key = (len(_sections), repr(stored))
    merged = _merged.get(key)
    if merged is None:
        merged = {}
        for name, schema in _sections.items():
            try:
                merged[name] = schema().load(stored.get(name) or {})
            except ValidationError:
                merged[name] = stored.get(name)  # stored before a stricter schema: show as is
        if len(_merged) >= _MERGED_MAX:
            _merged.clear()
        _merged[key] = merged
    return merged


def change_config(community_id: int, version: int, document: dict) -> Community:
    """The caller's change of a community's config (PUT …/communities/<id>/config, the console's
    form): 404 unless they may read the community, 403 unless a tenant admin; then update_config."""
    community = readable_community(community_id)
    identity = require_tenant_admin()
    return update_config(community, version, document, identity.username)


def history_statement(community: Community):
    """The community's core config revisions (GET …/config/history, the console's config page)."""
    return select(ConfigRevision).where(ConfigRevision.community_id == community.id, ConfigRevision.scope == "core")


def update_config(community: Community, version: int, document: dict, changed_by: str) -> Community:
    if version != community.config_version:
        raise Conflict(N_("The config was changed by someone else; reload and try again."),
                       {"json": {"version": [f"current version is {community.config_version}"]}})
    before, community.config = effective_config(community), validate_config(document)
    community.config_version += 1
    record_config_change(community.id, community.config_version, before, community.config, changed_by)
    db.session.add(
        ConfigRevision(
            scope="core", community_id=community.id, version=community.config_version,
            config=community.config, changed_by=changed_by,
        )
    )
    db.session.flush()
    return community


def record_config_change(community_id: int, version: int, before: dict, after: dict, changed_by: str) -> None:
    """Into the audit trail: which fields (`section.field`) changed, not their values (the
    revisions keep those, for whoever may read the community's config)."""
    changed = []
    for section in sorted(set(before) | set(after)):
        old, new = before.get(section) or {}, after.get(section) or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            changed += [section] if old != new else []
            continue
        changed += [f"{section}.{k}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    record("community.config_changed", target_type="community", target_id=community_id, system_name=changed_by,
           details={"version": version, "changed": changed})
