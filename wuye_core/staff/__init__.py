"""Staff: signing in (tokens), staff users and their roles, managed by a tenant's admin.

The identity of a request (who, which tenant, which roles) is the base package `auth`; this
feature is the HTTP and the rules for changing users and grants.
"""
