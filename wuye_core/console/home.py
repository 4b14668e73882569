"""The home page: a dashboard by role (filled in by the dashboard's work, #17)."""

from __future__ import annotations

from flask import g, render_template

from .blueprint import bp


@bp.route("/")
def home():
    """首页：按角色的看板。"""
    return render_template("console/home.html", current="home", identity=g.identity)
