"""Swagger UI's files, served by the app itself (from the swagger-ui-bundle package).

The interactive docs at /api/v1/docs must work where a public CDN does not: on-premises
installations without internet access, and networks where jsdelivr is slow or blocked.
"""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from .access import public

blp = Blueprint("api-docs-assets", __name__, url_prefix="/api/v1/docs/assets")


@blp.route("/<path:filename>")
@public
def asset(filename: str):
    return send_from_directory(str(swagger_ui_path), filename, max_age=7 * 24 * 3600)
