"""The JSON Schema of tenant files, for editors (published as tenants/tenant-file.schema.json)."""

from __future__ import annotations

import json

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from ..households.community_config import sections
from .document import CommunitySpec, TenantFile


class TenantFileDoc(TenantFile):
    """As read, but with the communities' structure spelled out (the loader checks each one alone)."""

    communities = fields.List(fields.Nested(CommunitySpec))


def build() -> dict:
    spec = APISpec("wuye tenant file", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    config = Schema.from_dict({name: fields.Nested(schema) for name, schema in sections().items()},
                              name="CommunityConfig")
    spec.components.schema("CommunityConfig", schema=config)
    spec.components.schema("TenantFile", schema=TenantFileDoc)
    defs = spec.to_dict()["components"]["schemas"]
    text = json.dumps(defs, ensure_ascii=False).replace("#/components/schemas/", "#/$defs/")
    defs = json.loads(text)
    for name, definition in defs.items():  # config documents are checked section by section
        if name in ("CommunitySpec", "Defaults") and "config" in definition.get("properties", {}):
            definition["properties"]["config"] = {"$ref": "#/$defs/CommunityConfig"}
    root = defs.pop("TenantFile")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "wuye 租户配置 / tenant file",
            **root, "$defs": defs}


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
