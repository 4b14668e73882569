"""The console's one blueprint: every page of the core is a view of it (endpoint
"console.<view>"); its static files are the console's CSS and JS and the vendored libraries
(static/vendor/README.md). Their URLs carry the app's version (layout.asset), so browsers keep
them for a week and a release is fetched afresh."""

from __future__ import annotations

from flask import Blueprint

STATIC_MAX_AGE = 7 * 24 * 3600


class ConsoleBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int:
        return STATIC_MAX_AGE


bp = ConsoleBlueprint("console", __name__, url_prefix="/console", template_folder="templates",
                      static_folder="static", static_url_path="/static")
