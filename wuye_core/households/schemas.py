"""Request and response schemas of the housing register."""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, post_dump, validate, validates

from ..api.pagination import PageArgs, Sort
from ..common.fields import Area, Id, Text, bounded_int
from ..common.schemas import StrictSchema
from ..i18n import N_, _
from .models import HouseholdKind, SiteKind
from .personal_data import mask_id_card, mask_resident

CODE = validate.Regexp(r"^[A-Za-z0-9_-]+$", error=N_("Only letters, digits, '-' and '_' are allowed."))
PHONE = validate.Regexp(r"^[0-9+\-() ]{3,20}$", error=N_("Not a valid phone number."))
GENDERS = ("male", "female")
# 17 digits and a check character (GB 11643-1999; the check itself, below, no pattern can state);
# empty: none
ID_CARD = validate.Regexp(r"^([0-9]{17}[0-9Xx])?$", error=N_("Not a valid ID-card number."))


def _readonly_id(**kw):
    return fields.Integer(dump_only=True, **kw)


# --- communities -------------------------------------------------------------------------------


class CommunityOut(StrictSchema):
    id = _readonly_id()
    name = fields.String()
    code = fields.String()
    address = fields.String(allow_none=True)
    config_version = fields.Integer()
    created_at = fields.DateTime()


class CommunityUpdate(StrictSchema):
    name = Text(100, min_length=1, required=True, metadata={"description": "社区名称 / name"})
    address = Text(300, allow_none=True)


class CommunityCreate(CommunityUpdate):
    code = Text(40, min_length=1, required=True, validate=[CODE], metadata={"description": "社区编码 / code"})


class CommunityQuery(PageArgs):
    sort = Sort("id", "name", "code", "created_at")
    q = Text(50, metadata={"description": "按名称搜索 / search by name"})


# --- sites -------------------------------------------------------------------------------------


class SiteOut(StrictSchema):
    id = _readonly_id()
    community_id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(SiteKind, by_value=True)
    address = fields.String(allow_none=True)
    area_m2 = fields.Float(allow_none=True)


class SiteUpdate(StrictSchema):
    name = Text(100, min_length=1, required=True)
    kind = fields.Enum(SiteKind, by_value=True, required=True, metadata={"description": "小区类型 / kind"})
    address = Text(300, allow_none=True)
    area_m2 = Area(allow_none=True, metadata={"description": "面积（㎡）/ area in m²"})


class SiteCreate(SiteUpdate):
    community_id = Id(required=True)


class SiteQuery(PageArgs):
    sort = Sort("id", "name", "kind")
    community_id = Id()
    q = Text(50)


# --- buildings ---------------------------------------------------------------------------------


class BuildingOut(StrictSchema):
    id = _readonly_id()
    community_id = fields.Integer()
    site_id = fields.Integer()
    name = fields.String()
    floors = fields.Integer(allow_none=True)


class BuildingUpdate(StrictSchema):
    name = Text(50, min_length=1, required=True, metadata={"description": "楼栋名 / name, e.g. 3栋"})
    floors = bounded_int(0, 300, allow_none=True)


class BuildingCreate(BuildingUpdate):
    site_id = Id(required=True)


class BuildingQuery(PageArgs):
    sort = Sort("id", "name")
    community_id = Id()
    site_id = Id()
    q = Text(50)


# --- units -------------------------------------------------------------------------------------


class UnitOut(StrictSchema):
    id = _readonly_id()
    community_id = fields.Integer()
    site_id = fields.Integer()
    building_id = fields.Integer()
    entrance = fields.String()
    floor = fields.Integer(allow_none=True)
    number = fields.String()
    area_m2 = fields.Float(allow_none=True)


class UnitUpdate(StrictSchema):
    entrance = Text(20, load_default="", metadata={"description": "单元 / entrance"})
    floor = bounded_int(-10, 300, allow_none=True)
    number = Text(20, min_length=1, required=True, metadata={"description": "房号 / room number"})
    area_m2 = Area(allow_none=True)


class UnitCreate(UnitUpdate):
    building_id = Id(required=True)


class UnitQuery(PageArgs):
    sort = Sort("id", "number", "floor")
    community_id = Id()
    site_id = Id()
    building_id = Id()
    q = Text(20, metadata={"description": "按房号搜索 / search by room number"})


# --- households --------------------------------------------------------------------------------


class HouseholdOut(StrictSchema):
    id = _readonly_id()
    community_id = fields.Integer()
    site_id = fields.Integer()
    building_id = fields.Integer()
    unit_id = fields.Integer()
    kind = fields.Enum(HouseholdKind, by_value=True)
    moved_in_on = fields.Date(allow_none=True)
    moved_out_on = fields.Date(allow_none=True)
    members = fields.Integer(allow_none=True)


class HouseholdUpdate(StrictSchema):
    kind = fields.Enum(HouseholdKind, by_value=True, required=True, metadata={"description": "自住/租住/空置"})
    moved_in_on = fields.Date(allow_none=True)
    moved_out_on = fields.Date(allow_none=True)
    members = bounded_int(0, 999, allow_none=True, metadata={"description": "人数 / number of people"})


class HouseholdCreate(HouseholdUpdate):
    unit_id = Id(required=True)


class HouseholdQuery(PageArgs):
    sort = Sort("id", "moved_in_on", "members")
    community_id = Id()
    site_id = Id()
    building_id = Id()
    unit_id = Id()
    tag = Text(20, metadata={"description": "有此标签的居民的住户 / households with a resident tagged so"})
    q = Text(50, metadata={"description": "居民姓名或电话 / a resident's name or phone"})


# --- residents ---------------------------------------------------------------------------------


def id_card_is_valid(number: str) -> bool:
    """GB 11643-1999: 17 digits and a check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=False))
    return "10X98765432"[total % 11] == number[17].upper()


class ResidentOut(StrictSchema):
    id = _readonly_id()
    community_id = fields.Integer()
    site_id = fields.Integer()
    building_id = fields.Integer()
    household_id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True, metadata={
        "description": "电话；无权查看个人信息的角色看到脱敏号码 138****5678 / phone; masked (138****5678) for roles "
                       "that do not see personal data (README, roles)"})
    gender = fields.String(allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    tags = fields.List(fields.String(), metadata={
        "description": "标签；无权查看个人信息的角色看不到敏感标签（低保户、残疾…）/ tags; sensitive ones (低保户, 残疾…) "
                       "left out for roles that do not see personal data"})
    id_card_masked = fields.Function(
        lambda r: mask_id_card(r.id_card), metadata={"description": "身份证号（脱敏）/ masked ID-card number"}
    )
    duplicate_of = fields.Integer(allow_none=True, metadata={
        "description": "同户同名的较早居民（唯一键启用前已重复，待人工合并；通常为空）/ the older resident of the same "
                       "name in the household, for duplicates from before the natural key (to merge; usually null)"})

    @post_dump
    def _mask(self, data, **kwargs):
        return mask_resident(data)


class ResidentUpdate(StrictSchema):
    name = Text(50, min_length=1, required=True)
    phone = Text(20, allow_none=True, validate=[PHONE])
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    birth_year = fields.Integer(allow_none=True, metadata={
        "minimum": 1900, "maximum": date.today().year,  # the server's limit moves with the year
        "description": "1900 年至今年 / 1900 to this year"})
    tags = fields.List(Text(20, min_length=1), load_default=list, validate=validate.Length(max=20),
                       metadata={"description": "标签，如 党员、业委会 / tags"})
    id_card = Text(18, allow_none=True, load_only=True, validate=[ID_CARD],
                   metadata={"description": "身份证号（18 位，末位校验），加密存储 / ID-card number (18 "
                                            "characters, the last a check character), stored encrypted"})

    @validates("birth_year")
    def _birth_year(self, value, **kwargs):
        if value is not None and not 1900 <= value <= date.today().year:
            raise ValidationError(_("Not a plausible birth year."))

    @validates("id_card")
    def _id_card(self, value, **kwargs):
        if value and not id_card_is_valid(value):
            raise ValidationError(_("Not a valid ID-card number."))


class ResidentCreate(ResidentUpdate):
    household_id = Id(required=True)


class ResidentQuery(PageArgs):
    sort = Sort("id", "name", "birth_year")
    community_id = Id()
    site_id = Id()
    building_id = Id()
    household_id = Id()
    tag = Text(20)
    q = Text(50, metadata={"description": "姓名或电话 / name or phone"})


# --- community config --------------------------------------------------------------------------


class CommunityConfigOut(StrictSchema):
    version = fields.Integer()
    config = fields.Dict()


class CommunityConfigIn(StrictSchema):
    version = fields.Integer(required=True, metadata={"description": "当前版本（乐观锁）/ the version you edited"})
    config = fields.Dict(required=True)


class ConfigRevisionQuery(PageArgs):
    sort = Sort("id", "version", "changed_at")


class ConfigRevisionOut(StrictSchema):
    version = fields.Integer()
    config = fields.Dict()
    changed_by = fields.String(allow_none=True)
    changed_at = fields.DateTime()
