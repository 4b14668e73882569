"""Tenants as a platform operator manages them: creating, listing, deactivating tenants.

The tenant context and the scoping of every query are the base package `tenancy`.
"""
