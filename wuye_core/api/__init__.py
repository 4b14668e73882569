"""The HTTP edge shared by every domain package: access rules, paging and the CRUD builder.

Domain packages keep their own routes.py; this package only holds what they all need.
"""
