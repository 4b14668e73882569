"""我的物业费: the residents' phone pages (figures area)."""

from __future__ import annotations

from flask import Blueprint

from wuye_core.plugins import ResidentPart

residents = Blueprint("fees_residents", __name__, template_folder="templates")


def resident_part() -> ResidentPart:
    return ResidentPart(blueprint=residents, nav=())
