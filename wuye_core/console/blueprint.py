"""The console's one blueprint: every page of the core is a view of it (endpoint
"console.<view>"); its static files are the console's CSS and JS and the vendored libraries
(static/vendor/README.md). Their URLs carry the app's version (layout.asset), so browsers keep
them for a week and a release is fetched afresh.

A static file with a gzipped copy beside it (`<file>.gz`: the vendored libraries, compressed once
with `gzip -9 -n -k`) is sent as that copy to a browser that accepts gzip (`Content-Encoding:
gzip`, `Vary: Accept-Encoding`): ECharts is 715 KB and 239 KB gzipped, a first load over a weak
link three times shorter, at no CPU per request (bench/README.md, issue #17)."""

from __future__ import annotations

import mimetypes
import os

from flask import Blueprint, request, send_from_directory
from werkzeug.security import safe_join

STATIC_MAX_AGE = 7 * 24 * 3600


class ConsoleBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int:
        return STATIC_MAX_AGE

    def send_static_file(self, filename: str):
        folder = self.static_folder
        gzipped = filename + ".gz"
        path = safe_join(folder, gzipped) if folder is not None else None
        if path is None or not os.path.isfile(path):
            return super().send_static_file(filename)
        if request.accept_encodings["gzip"] <= 0:
            response = super().send_static_file(filename)
        else:
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            response = send_from_directory(folder, gzipped, mimetype=mimetype, max_age=STATIC_MAX_AGE)
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response


bp = ConsoleBlueprint("console", __name__, url_prefix="/console", template_folder="templates",
                      static_folder="static", static_url_path="/static")
