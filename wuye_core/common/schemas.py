"""Base schema: unknown fields are an error (a typo must not be silently dropped); responses
are dumped by the faster path of common/dumping.py."""

from marshmallow import RAISE, Schema

from .dumping import FastDumpSchema


class StrictSchema(FastDumpSchema):
    class Meta:
        unknown = RAISE


_partials: dict[type, type] = {}


def partial(schema_cls: type[Schema]) -> Schema:
    """A PATCH version of a schema: every field optional, documented under its own name."""
    if schema_cls not in _partials:
        _partials[schema_cls] = type(f"{schema_cls.__name__}Patch", (schema_cls,), {})
    # only the top-level fields: a nested object sent in a PATCH is whole (partial=True would
    # reach into it, and `{"roles": [{}]}` would pass without a role)
    return _partials[schema_cls](partial=tuple(schema_cls._declared_fields))
