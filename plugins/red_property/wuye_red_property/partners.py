"""服务关系: the companies that serve the community's sites, as the core's service links in force
say (read through the facade's `service_links()`; links are made and ended in the core, at
/api/v1/service-links and the console's page /console/links). The plugin names a company by the
link's id and shows the link's partner name, looked up when read; what it stored as a name is
history (agreements made before links, a link that has ended)."""

from __future__ import annotations

from wuye_core.plugins import ServiceLinkInfo, invalid, service_links

FIELD = "service_link_id"
CREATE_LINKS_AT = "/console/links"  # the core's console page where administrators make links

# like any other reference to a row that is not there (for this caller, here): the core's message
NOT_IN_FORCE = "Does not exist."


def in_force(community_id: int) -> dict[int, ServiceLinkInfo]:
    """The links in force of our sites in the community (we are the client side), by link id."""
    return {link.id: link for link in service_links(community_id)}


def by_site(community_id: int) -> dict[int, ServiceLinkInfo]:
    """The same links by our site's id (a site has one link in force at a time)."""
    return {link.my_site_id: link for link in service_links(community_id)}


def link_in_force(community_id: int, link_id: int, field: str = FIELD) -> ServiceLinkInfo:
    """The link, in force and covering a site of the community on our side; else 422 naming `field`."""
    link = in_force(community_id).get(link_id)
    if link is None:
        invalid(field, NOT_IN_FORCE)
    return link


def partner_names() -> dict[int, str]:
    """The partner's name of every link in force where we are the client, by link id (one look-up
    for a whole list)."""
    return {link.id: link.partner_name for link in service_links() if link.my_side == "client"}


def company(link_id: int | None, recorded: str | None, names: dict[int, str]) -> tuple[str | None, bool]:
    """(the company's name to show, whether its link is in force): the partner's name while the
    link is in force, else the name recorded (typed before links, or the partner's name then)."""
    if link_id is not None and link_id in names:
        return names[link_id], True
    return recorded, False


def options(community_id: int) -> list[tuple[int, str]]:
    """The community's links in force for a form's select: (id, "company（its site）")."""
    return [(link.id, f"{link.partner_name}（{link.my_site_name or link.partner_site_name or link.my_site_id}）")
            for link in service_links(community_id)]
