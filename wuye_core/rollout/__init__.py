"""Declarative rollout: a subdistrict (or company) describes its tenant, communities, sites,
community config and plugins in one YAML file under tenants/, and `wuye tenants plan/apply`
brings the database to it — idempotent, all-or-nothing, never deleting without --prune.

Defaults cascade: platform defaults (the schemas' defaults) → the file's `defaults` → each
community's own `config` / `plugins`.
"""
