"""Money as integer fen (分), everywhere: columns `*_fen`, API fields `*_fen`, sums in SQL.

Rates are Decimal yuan (元/㎡/月 with up to four decimals, as price lists write them); a bill's
amount is computed once, in Decimal, and rounded half up to the fen — never through float, so
0.45 元 × 87.35 ㎡ × 3 months is 11,792 fen on every machine. People read yuan: `yuan(12345)`
is "123.45"; they type yuan: `parse_yuan("123.4")` is 12340 fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal(100)

# 大写金额: the capitals a receipt writes its amount in (the law's form, the same in every language)
DIGITS_ZH = "零壹贰叁肆伍陆柒捌玖"
UNITS_ZH = ("", "拾", "佰", "仟")
GROUPS_ZH = ("", "万", "亿", "万亿")
YUAN_ZH, JIAO_ZH, FEN_ZH, ZERO_ZH, WHOLE_ZH, MINUS_ZH = "元", "角", "分", "零", "整", "负"


def to_fen(amount: Decimal) -> int:
    """Yuan (Decimal) → fen, rounded half up (the Chinese 四舍五入)."""
    return int((Decimal(amount) * FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def charge_fen(price: Decimal, months: int, area_m2: Decimal | None = None) -> int:
    """What a rate charges for `months`: price × area × months (per ㎡), or price × months (fixed)."""
    amount = Decimal(price) * months
    if area_m2 is not None:
        amount *= Decimal(area_m2)
    return to_fen(amount)


def yuan(fen: int | None, grouping: bool = False) -> str:
    """Fen as yuan for people: 12345 → "123.45", -50 → "-0.50"; `grouping`: "1,234.50"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouping else f"{sign}{whole}.{cents:02d}"


def parse_yuan(text: str | int | float | Decimal | None) -> int | None:
    """Yuan as people type it ("123.4", "1,234.50", "¥88", "88元") → fen; None for empty.
    Raises ValueError for anything else, or more than two decimals."""
    if text is None:
        return None
    if isinstance(text, float):  # from a spreadsheet cell: its shortest repr is what was typed
        text = repr(text)
    cleaned = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    cleaned = cleaned.removesuffix(YUAN_ZH).strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise ValueError(text)
    return int(value * FEN)


def chinese_amount(fen: int) -> str:
    """A receipt's amount in capitals (大写): 12345 → 壹佰贰拾叁元肆角伍分, 10000 → 壹佰元整."""
    digits = DIGITS_ZH
    if fen == 0:
        return ZERO_ZH + YUAN_ZH + WHOLE_ZH
    sign = MINUS_ZH if fen < 0 else ""
    fen = abs(fen)
    yuan_part, rest = divmod(fen, 100)
    jiao, fen_ = divmod(rest, 10)
    out = ""
    if yuan_part:
        out += _integer_capitals(yuan_part, digits) + YUAN_ZH
    if jiao:
        out += digits[jiao] + JIAO_ZH
    elif yuan_part and fen_:
        out += ZERO_ZH
    if fen_:
        out += digits[fen_] + FEN_ZH
    if not jiao and not fen_:
        out += WHOLE_ZH
    return sign + out


def _integer_capitals(number: int, digits: str) -> str:
    units, groups = UNITS_ZH, GROUPS_ZH
    out, zero, group = "", False, 0
    while number:
        number, chunk = divmod(number, 10000)
        if chunk:
            text, pending_zero = "", False
            for position in range(3, -1, -1):
                digit = chunk // 10**position % 10
                if digit:
                    if pending_zero:
                        text += ZERO_ZH
                    text += digits[digit] + units[position]
                    pending_zero = False
                elif text:
                    pending_zero = True
            out = text + groups[group] + (ZERO_ZH if zero and out else "") + out
            zero = chunk < 1000
        else:
            zero = True
        group += 1
    return out
