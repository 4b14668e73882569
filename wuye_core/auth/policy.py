"""The password policy: one check for every place a password is chosen (the users API, the
self-service change, a tenant's first administrator, `wuye users create`, `wuye operators
create`, the demo).

A password is refused when it is
- shorter than MIN_LENGTH (10) or longer than MAX_LENGTH (256) characters;
- on the list of common passwords shipped with the package (data/common-passwords.txt.gz:
  Django's 20,000 and patterns common in China such as 12345678, qq123456, 5201314,
  woaini1314, 1qaz2wsx; compared case-insensitively, see data/NOTICE.md);
- the username, or the username with only digits and punctuation around it ("admin2026!"),
  case-insensitively.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..i18n import N_, Message

MIN_LENGTH = 10
MAX_LENGTH = 256
_LIST = Path(__file__).with_name("data") / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _only_decoration(text: str) -> bool:
    """Nothing but digits, punctuation and spaces (what people put around a word)."""
    return all(not ch.isalpha() for ch in text)


def password_problem(password: str, username: str | None = None) -> Message | None:
    """Why `password` is refused (an English msgid with its values), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return N_("The password must have at least %(min)s characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return N_("The password must have at most %(max)s characters.", max=MAX_LENGTH)
    folded = _fold(password)
    if folded in common_passwords() or folded.strip() in common_passwords():
        return N_("This password is too common; choose one that is hard to guess.")
    if username:
        name = _fold(username).strip()
        if name and name in folded and _only_decoration(folded.replace(name, "", 1)):
            return N_("The password must not be the username.")
    return None
