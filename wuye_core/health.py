"""Liveness and readiness probes (Kubernetes)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """The database (and Redis, when configured) answer."""
    checks, ready = {}, True
    try:
        db.session.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
        ready = False
    finally:
        db.session.rollback()
    redis_url = current_app.config["WUYE"].redis_url
    if redis_url:
        try:
            from redis import Redis

            Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
            ready = False
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
