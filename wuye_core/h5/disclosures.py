"""The residents' public disclosures (公示): the ones in their publication period for my
households' communities and sites, with their kind, period and — when corrected — when and why;
a disclosure's page and its current version's files. Every rule is the disclosures' service's
(disclosures/service.py): another site's, not started, ended or withdrawn is a 404 like none."""

from __future__ import annotations

from flask import render_template

from ..disclosures import files, service
from .blueprint import bp
from .pages import resident_households


@bp.route("/disclosures")
def disclosures():
    """In publication for my households, the newest publication first."""
    return render_template("h5/disclosures.html", current="disclosures",
                           disclosures=service.current_for_resident(resident_households()))


@bp.route("/disclosures/<int:disclosure_id>")
def disclosure(disclosure_id):
    """One disclosure: its summary, its files, its corrections."""
    found = service.resident_disclosure(resident_households(), disclosure_id)
    return render_template("h5/disclosure.html", current="disclosures", disclosure=service.resident_view(found))


@bp.route("/disclosures/<int:disclosure_id>/files/<int:file_id>")
def disclosure_file(disclosure_id, file_id):
    """A file of the disclosure's current version (a download)."""
    found = service.resident_disclosure(resident_households(), disclosure_id)
    return files.download(service.file_of_disclosure(found, file_id, current_only=True))
