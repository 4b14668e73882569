"""What the server enforces, stated in the OpenAPI document where marshmallow's fields do not
say it themselves (tests/test_fuzz.py holds the two to each other):

- every PATCH body has `minProperties: 1`: an empty PATCH is refused (common/schemas.py);
- an endpoint open without a token (api/access.public: signing in, asking for a code) has
  `security: []`: it answers the same with or without one;
- a field whose metadata has `wuye_enum` (a function of the app) lists the values this app
  accepts, e.g. the roles a user may be granted: the core's and those of the installed plugins.
"""

from __future__ import annotations

from apispec import BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_instance

from .access import is_public_view


class ContractDoc(BasePlugin):
    def __init__(self, app):
        self.app = app
        self.spec = None

    def init_spec(self, spec):
        self.spec = spec

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        if schema is None:
            return
        for field_name, field in resolve_schema_instance(schema).fields.items():
            values = field.metadata.get("wuye_enum")
            prop = (definition.get("properties") or {}).get(field.data_key or field_name)
            if values is not None and prop is not None:
                prop["enum"] = list(values(self.app))

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs):
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        public = is_public_view(view)
        for method, operation in (operations or {}).items():
            if public:
                operation["security"] = []
            if method.lower() != "patch":
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema") or {}
            ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
            component = self.spec.components.schemas.get(ref.rsplit("/", 1)[-1]) if ref else None
            if component is not None:
                component["minProperties"] = 1
