"""Layered settings: built-in defaults < environment variables (WUYE_*) < explicit overrides.

Only names listed in `Settings` are read, so a typo in an environment variable is simply
not a setting rather than a silent half-configuration.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

DEV_SECRET = "wuye-development-secret-do-not-use-in-production"
ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """The configuration cannot run the app (e.g. production with the development secret)."""


def _default_database_url(environ=None) -> str:
    environ = os.environ if environ is None else environ
    instance = Path(environ.get("WUYE_INSTANCE_DIR") or Path.cwd() / "instance")
    return f"sqlite:///{instance / 'wuye.sqlite3'}"


@dataclass
class Settings:
    env: str = "development"  # development | production | test; anything else is refused (check)
    database_url: str = field(default_factory=_default_database_url)
    # Migrations run as the owner of the tables; the app connects as a role that owns nothing
    # (PostgreSQL row-level security would not apply to the owner otherwise).
    migrate_database_url: str | None = None
    redis_url: str | None = None  # unset: background jobs run in-process
    # Run queued jobs at once, through rq and Redis but in the enqueuing process (tests).
    jobs_synchronous: bool = False
    secret_key: str = DEV_SECRET
    # Fernet keys, comma-separated, newest first. The first encrypts; all decrypt (rotation).
    encryption_keys: str | None = None
    log_level: str = "INFO"
    token_ttl_seconds: int = 8 * 3600
    # A user's grants and active flag are re-read at most this often per worker process
    # (auth/identity_cache.py); 0 re-reads them on every request.
    auth_cache_seconds: int = 5
    # The total of a register list page is counted at most this often per worker process and
    # list (api/totals.py); 0 counts on every page.
    list_total_cache_seconds: int = 5
    proxy_hops: int = 0  # trusted reverse proxies in front of us (X-Forwarded-For, X-Forwarded-Proto)
    # Strict-Transport-Security max-age on every answer to an HTTPS request (http_headers.py);
    # 0: none. Behind a TLS-terminating proxy, set proxy_hops too, so X-Forwarded-Proto counts.
    hsts_seconds: int = 0
    login_limit_per_user: str = "5 per 15 minutes"
    login_limit_per_address: str = "30 per 15 minutes"
    # Residents (#19): a one-time code lives this long; codes asked for (and wrong codes tried) per
    # phone, and both per address; a resident's token lives this long (a phone stays signed in).
    resident_code_minutes: int = 5
    resident_code_limit_per_phone: str = "5 per 15 minutes"
    resident_limit_per_address: str = "30 per 15 minutes"
    resident_token_ttl_seconds: int = 30 * 24 * 3600
    # a resident's copy of their personal information (resident_rights/): downloads per account
    resident_export_limit: str = "10 per hour"
    # plugins' inbound webhooks (host/webhooks.py, API 1.13): requests per client address
    webhook_limit_per_address: str = "120 per minute"
    # The site's address as residents reach it, e.g. https://wuye.example.cn: the links built
    # outside a request (a job's text message, h5/links.py) start with it. Unset: only a request's
    # own host can make a link absolute.
    public_url: str | None = None
    rate_limit_prefix: str = "wuye"  # Redis key prefix of the login limits and the event wake-ups
    rate_limit_storage_url: str | None = None  # default: redis_url, else per-process memory
    # argon2id cost; tests lower it so a suite of hundreds of logins stays quick.
    password_time_cost: int = 3
    password_memory_cost: int = 65536
    default_locale: str = "zh_CN"
    # Ticket photos and attachments: unset → instance/uploads; file:///abs/path; or
    # s3://bucket/prefix?endpoint=…&region=… (see wuye_core.storage.storage_from_settings).
    storage_url: str | None = None
    storage_access_key: str | None = None
    storage_secret_key: str | None = None
    upload_max_bytes: int = 10 * 1024 * 1024
    # Household imports (imports/routes.py): refused at upload beyond these (unpacked: the sum of
    # the workbook's uncompressed parts, a zip bomb's tell), and the job stops past max rows.
    import_max_rows: int = 20000
    import_max_unpacked_bytes: int = 50 * 1024 * 1024
    # Queued or running imports of one community at a time (they take its lock in turn anyway).
    import_max_pending_per_community: int = 2
    # Background jobs a user may start per kind (household import, care brief) in this window.
    job_limit_per_user: str = "20 per hour"
    # Waits (seconds, comma-separated) before each new try of an event for a plugin whose hook
    # raised; after the last one the delivery is parked (`wuye jobs failed`, events/deliveries.py).
    event_retry_seconds: str = "30,120,600,1800,7200"
    # How long the answer to a POST sent with an Idempotency-Key is kept and replayed to a retry
    # with the same key (wuye_core/idempotency); expired keys are purged by a periodic job.
    idempotency_ttl_hours: int = 24
    # While the database cannot be reached the API answers 503 with this Retry-After (seconds).
    database_retry_after_seconds: int = 5
    # `wuye worker` writes its state here every few seconds; `wuye worker --check` (the
    # Kubernetes probes) reads it. Unset: wuye-worker-status.json in the system's temp folder.
    worker_status_file: str | None = None
    # How long a deliverer holds the outbox events it claimed (events/relay.py). A deliverer that
    # died (killed, its database or Redis gone) holds them no longer: the sweep hands them on
    # again after this. Longer than a batch of deliveries can take.
    event_lease_seconds: int = 60

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f"WUYE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.type == "int":
                values[f.name] = int(raw)
            elif f.type == "bool":
                values[f.name] = raw.lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.setdefault("database_url", _default_database_url(environ))
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.env not in ENVIRONMENTS:  # `prod` or `Production` is not guessed at: refused
            allowed = ", ".join(ENVIRONMENTS)
            raise ConfigError(f"WUYE_ENV={self.env!r} 无效，可选值：{allowed} / "
                              f"WUYE_ENV={self.env!r} is not valid; use one of: {allowed}")
        for name in ("hsts_seconds", "import_max_rows", "import_max_unpacked_bytes",
                     "import_max_pending_per_community"):
            if getattr(self, name) < (0 if name == "hsts_seconds" else 1):
                raise ConfigError(f"WUYE_{name.upper()} 取值无效 / WUYE_{name.upper()} is out of range: "
                                  f"{getattr(self, name)}")
        from limits import parse

        try:
            parse(self.job_limit_per_user)
        except ValueError:
            raise ConfigError(f"WUYE_JOB_LIMIT_PER_USER 格式无效（例如 20 per hour）/ WUYE_JOB_LIMIT_PER_USER is not "
                              f"a limit such as '20 per hour': {self.job_limit_per_user!r}") from None
        if self.public_url is not None and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", self.public_url):
            raise ConfigError(f"WUYE_PUBLIC_URL 应为 https://主机名[/路径] / WUYE_PUBLIC_URL must be "
                              f"https://host[/path]: {self.public_url!r}")
        if self.env == "production":
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ConfigError(
                    "WUYE_SECRET_KEY 未设置或过短（生产环境至少 32 个字符）/ "
                    "WUYE_SECRET_KEY must be set to at least 32 characters in production"
                )
            if not self.encryption_keys:
                raise ConfigError(
                    "生产环境必须设置 WUYE_ENCRYPTION_KEYS / WUYE_ENCRYPTION_KEYS is required in production"
                )

    @property
    def is_postgresql(self) -> bool:
        return self.database_url.startswith("postgresql")

    def sqlalchemy_url(self, url: str | None = None) -> str:
        """Use psycopg 3 for plain postgresql:// URLs."""
        url = url or self.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
