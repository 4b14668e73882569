"""A community's gate poster: its name, "扫码报修、查看通知", the QR code of the residents' link
(h5/links.py: /h5/c/<tenant>/<community>-<signature>), the link in letters and the service phone;
printed from the browser (A4, the console's print styles hide the menus). Staff who may read the
community open it from the community's page of the register.

The QR code is drawn by segno (pure Python, no dependencies) as inline SVG: sharp at any print
size, no image file, nothing from elsewhere (the console's Content-Security-Policy)."""

from __future__ import annotations

import segno
from flask import render_template, url_for

from ..extensions import db
from ..h5.links import community_url
from ..households.access import readable_community
from ..households.community_config import shared_effective_config
from ..i18n import _
from ..tenancy import Tenant, require_tenant_id
from .blueprint import bp
from .register import trail_of_community


def qr_svg(text: str) -> str:
    """The QR code of `text` as an SVG element sized by its viewBox (the page's CSS sets its size);
    error correction M (a poster gets dirty), the standard 4-module quiet zone."""
    return segno.make(text, error="m").svg_inline(scale=1, border=4, omitsize=True, dark="#000")


@bp.route("/register/communities/<int:community_id>/poster")
def register_poster(community_id: int):
    """社区门口的二维码海报：居民扫码报修、查看通知（打印）。"""
    community = readable_community(community_id)
    tenant = db.session.get(Tenant, require_tenant_id())
    link = community_url(tenant, community.id)
    crumbs = [*trail_of_community(community),
              (_("Gate poster"), url_for("console.register_poster", community_id=community.id))]
    return render_template("console/register/poster.html", current="register", community=community, link=link,
                           qr=qr_svg(link), service_phone=shared_effective_config(community)["core"].get("service_phone"),
                           crumbs=crumbs)
