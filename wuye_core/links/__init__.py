"""Service links between tenants: a company serves a site (小区) that lies in a street's community.

    models.py       ServiceLink: the two tenants, each side's site, its state and history
    service.py      propose, accept, decline, revoke (each side names only its own site)
    schemas.py      the API's shapes
    routes.py       /api/v1/service-links

A link is the one grant of data between tenants: the client (the street) supervises the provider's
tickets of the linked site through it (supervision/), and either side hands tickets to the other
(handoffs/). Either side may end it; its end takes effect at once for both.
"""
