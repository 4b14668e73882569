"""The Flask extensions, created once and bound to an app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can drop/alter them on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# expire_on_commit=False: after a commit the objects keep the values just written, so a view that
# commits and then serialises what it changed does not open a second transaction (checkout,
# ping, BEGIN, set_config, SELECT, ROLLBACK) only to read back its own writes. Columns the
# database fills in (server defaults) are still loaded on first access.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
babel = Babel()


def _client_address() -> str:
    from flask import request

    return request.remote_addr or "unknown"


# No default limits: only the login endpoint is throttled (see auth/routes.py), so app.py drops
# the limiter's check before every request. App-wide limits belong in RATELIMIT_DEFAULT /
# RATELIMIT_APPLICATION, which keep that check.
limiter = Limiter(key_func=_client_address, default_limits=[])
