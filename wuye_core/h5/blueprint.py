"""The residents' pages' blueprint (/h5, endpoints "h5.<view>") and its static file (h5.css,
versioned by the app's version in its URL like the console's, so a phone keeps it)."""

from __future__ import annotations

from flask import Blueprint, url_for

from .. import __version__

STATIC_MAX_AGE = 7 * 24 * 3600


class H5Blueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int:
        return STATIC_MAX_AGE


bp = H5Blueprint("h5", __name__, url_prefix="/h5", template_folder="templates", static_folder="static",
                 static_url_path="/static")


def asset(filename: str) -> str:
    return url_for("h5.static", filename=filename, v=__version__)
