"""The audit trail: an append-only record of security-relevant actions.

Logins and failed logins, password changes and resets, role grants and revocations, activation,
plugin enablement, configuration changes, exports of personal data. Tenant admins read their
tenant's trail, platform operators the platform's (operator logins, tenants). Rows are only
ever inserted: the app's database role may not change or delete them (migration 0011), and they
are kept at least `RETENTION_YEARS`.

    from wuye_core.audit import record, record_now

`record` adds the row to the request's transaction (kept when the request succeeds); `record_now`
commits it at once, for what must be kept although the request is refused (a failed login).
"""

from .models import RETENTION_YEARS, AuditEvent, PlatformAuditEvent  # noqa: F401
from .record import record, record_now  # noqa: F401
