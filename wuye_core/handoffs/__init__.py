"""Hand-offs: a ticket taken by one tenant for a linked site, handed to the other (being built, #18 item 3)."""
