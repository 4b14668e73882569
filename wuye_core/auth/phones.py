"""How a phone number is shown where it is not everyone's to read: the sign-in's own number in a
resident's page, the log of a text message, a resident's identity in the audit trail."""

from __future__ import annotations


def mask_phone(digits: str) -> str:
    """138****8000."""
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"
