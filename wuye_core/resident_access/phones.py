"""A phone number as people type it ("138 0013 8000", "+86-138-0013-8000") and the digits it is
compared by ("13800138000"): the register keeps what staff typed, a resident types it again."""

from __future__ import annotations

import re

from sqlalchemy import and_, case, func

from ..auth.phones import mask_phone

_NOT_DIGITS = re.compile(r"\D+")


def phone_digits(typed: str | None) -> str:
    """The digits of a phone number, without the country code of a Chinese mobile (86 + 11)."""
    digits = _NOT_DIGITS.sub("", typed or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def phone_digits_sql(column):
    """The same in SQL, for the register's phones (spaces, hyphens, brackets, a leading +86).
    Not indexed: a sign-in reads one tenant's residents by it, a rare and small read."""
    stripped = column
    for character in (" ", "-", "(", ")", "+"):
        stripped = func.replace(stripped, character, "")
    return case((and_(func.length(stripped) == 13, func.substr(stripped, 1, 2) == "86"), func.substr(stripped, 3)),
                else_=stripped)


__all__ = ["mask_phone", "phone_digits", "phone_digits_sql"]
