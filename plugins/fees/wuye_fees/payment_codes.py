"""缴费编号: the number a fee unit's payer gives a bank, WeChat Pay or Alipay (a provider plugin
passes it back with the payment it reports), or types into the cashier's search.

It is the fee unit's id, seven digits or more, and a Luhn check digit after a hyphen: unit 1234
is "0001234-5". A mistyped digit or two neighbouring digits swapped fail the check, so a wrong
code finds no unit instead of someone else's (`unit_of` → None): the payment is recorded as
unmatched and staff match it by hand.
"""

from __future__ import annotations

import re

WIDTH = 7
_CODE = re.compile(r"^\s*(\d{1,18})\s*[-\s]?\s*(\d)\s*$")


def luhn_digit(digits: str) -> int:
    """The Luhn check digit of a string of digits (the one appended so the whole passes)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit of the payload and every second one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def payment_code(fee_unit_id: int) -> str:
    """The unit's 缴费编号, e.g. 1234 → "0001234-5"."""
    body = f"{int(fee_unit_id):0{WIDTH}d}"
    return f"{body}-{luhn_digit(body)}"


def unit_of(code: str | None) -> int | None:
    """The fee unit id a code names; None when it is not a code or its check digit is wrong.
    Whether such a unit exists in the tenant is the caller's question."""
    if not code:
        return None
    found = _CODE.match(str(code))
    if not found:
        return None
    body, check = found.group(1), int(found.group(2))
    if luhn_digit(body) != check:
        return None
    unit_id = int(body)
    return unit_id if 0 < unit_id < 2**63 else None
