"""Re-encrypt every encrypted column with the newest key (see common/encryption.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import flag_modified

from ..common.encryption import EncryptedString
from ..extensions import db
from .context import tenant_context
from .models import Tenant, TenantScoped

BATCH = 500


def encrypted_columns(tenant_data: bool = True) -> list[tuple[type, str]]:
    """(model, attribute) for every EncryptedString column of a tenant table (`tenant_data`
    False: of a platform table, e.g. the operators' Idempotency-Key answers)."""
    found = []
    for mapper in db.Model.registry.mappers:
        if issubclass(mapper.class_, TenantScoped) != tenant_data:
            continue
        for attr in mapper.column_attrs:
            if any(isinstance(col.type, EncryptedString) for col in attr.columns):
                found.append((mapper.class_, attr.key))
    return found


def rotate_all_keys() -> int:
    """Rewrite each stored value under the first key of WUYE_ENCRYPTION_KEYS; returns the count.
    Platform tables first (no tenant), then each tenant's."""
    rewritten = sum(_rotate_column(model, attr) for model, attr in encrypted_columns(tenant_data=False))
    tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            rewritten += sum(_rotate_column(model, attr) for model, attr in encrypted_columns())
    return rewritten


def _rotate_column(model, attr: str) -> int:
    column = getattr(model, attr)
    last_id, rewritten = 0, 0
    while True:
        rows = db.session.scalars(
            select(model).options(undefer(column))  # a deferred column (big files) must be loaded to rewrite it
            .where(column.is_not(None), model.id > last_id).order_by(model.id).limit(BATCH)
        ).all()
        if not rows:
            return rewritten
        for row in rows:
            flag_modified(row, attr)  # decrypted on load, encrypted with the first key on flush
        last_id = rows[-1].id
        rewritten += len(rows)
        db.session.commit()
