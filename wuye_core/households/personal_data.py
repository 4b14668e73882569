"""Residents' personal data as each caller may see it: phone numbers and sensitive tags.

Who sees them in full (per community): tenant_admin and community_staff (the one-stop window
takes calls and calls back), and plugin roles that declare `Role.sees_personal_data` (e.g. the
care worker, who visits people at home). Everyone else — readonly, and plugin roles without the
flag — sees, for the residents of that community:

- phone numbers masked: the first 3 and the last 4 digits, `138****5678`;
- sensitive tags left out (a neutral marker in their place would itself tell that the resident
  is, say, on subsistence allowance, which is what is to be protected); other tags (党员,
  业委会, 志愿者…) as they are;
- no search by phone number (the search matches names only) and no filter by a sensitive tag
  (403 naming `tag` where the caller sees them in none of the communities asked about; otherwise
  the filter covers only the communities where they do).

The masking functions live here once: wuye_core.plugins.services.mask_phone / mask_id_card
delegate to them, and so does the care plugin.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import ColumnElement, and_, false

from ..api.access import require_staff
from ..errors import Forbidden
from ..i18n import N_

# Tags that say a resident is poor, ill, disabled, alone or otherwise vulnerable (民政 categories
# and the difficulty types of the care plugin). A tag is sensitive when it contains one of these
# stems, so variants are covered too: 低保 → 低保户, 低保边缘户; 残疾 → 残疾人, 肢体残疾.
SENSITIVE_TAG_STEMS = (
    "低保", "特困", "五保", "低收入", "困难", "贫困", "救助",
    "残疾", "残障", "失能", "重病", "大病", "精神", "慢性病",
    "独居", "孤寡", "空巢", "留守", "困境儿童", "孤儿", "单亲",
    "失业", "社区矫正", "刑满释放", "吸毒", "戒毒", "信访",
)


def is_sensitive_tag(tag: str) -> bool:
    return any(stem in tag for stem in SENSITIVE_TAG_STEMS)


def mask_phone(phone: str | None) -> str | None:
    """A phone number as a masked role sees it: the first 3 and last 4 characters, `138****5678`;
    a short number (≤ 7 characters) all stars. None for none."""
    if not phone:
        return phone or None
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_card(number: str | None) -> str | None:
    """An ID-card number as the core shows it (first 3 and last 4 digits), None for none."""
    if not number:
        return None
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def visible_tags(tags: list[str]) -> list[str]:
    """The tags a masked role sees: the sensitive ones left out."""
    return [t for t in tags if not is_sensitive_tag(t)]


def personal_data_communities() -> set[int] | None:
    """The communities where the caller of this request sees personal data in full (None: all of
    the tenant's); remembered for the request. Outside a request (jobs, commands): all."""
    if not has_request_context():
        return None
    if "personal_data_communities" not in g:
        g.personal_data_communities = require_staff().personal_data_communities()
    return g.personal_data_communities


def sees_personal_data(community_id: int | None) -> bool:
    allowed = personal_data_communities()
    return allowed is None or community_id in allowed


def phone_for(community_id: int | None, phone: str | None) -> str | None:
    """A phone number of that community's register (a resident's, a ticket reporter's) as the
    caller may see it."""
    return phone if sees_personal_data(community_id) else mask_phone(phone)


def mask_resident(data: dict) -> dict:
    """A dumped resident (ResidentOut) as the caller may see it."""
    if not sees_personal_data(data.get("community_id")):
        if "phone" in data:
            data["phone"] = mask_phone(data["phone"])
        if "tags" in data:
            data["tags"] = visible_tags(data["tags"])
    return data


def phone_search(phone_column, community_column, text: str) -> ColumnElement:
    """`phone_column` contains `text`, only in the communities where the caller sees phones."""
    allowed = personal_data_communities()
    matches = phone_column.contains(text, autoescape=True)
    if allowed is None:
        return matches
    if not allowed:
        return false()
    return and_(matches, community_column.in_(allowed))


def sensitive_filter_scope(tag: str, community_column, asked: int | None) -> ColumnElement | None:
    """For a filter by `tag`: None when the caller may use it everywhere; else the condition that
    keeps it to the communities where they see sensitive tags. 403 naming `tag` when that is
    none of the communities asked about (`asked`: the community_id filter, if any)."""
    if not is_sensitive_tag(tag):
        return None
    allowed = personal_data_communities()
    if allowed is None:
        return None
    if not allowed or (asked is not None and asked not in allowed):
        raise Forbidden(N_("Your role does not see this tag."),
                        {"query": {"tag": [N_("A sensitive tag: only roles that see personal data filter by it.")]}})
    return community_column.in_(allowed)
