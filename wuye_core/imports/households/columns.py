"""The columns of a household ledger (住户台账) and the downloadable template.

Headers are matched after normalising them: NFKC (full-width brackets and spaces become
ASCII), whitespace and `*` removed, a unit in brackets at the end dropped ("面积（㎡）" → "面积"),
lower case. Each column accepts a few synonyms seen in real ledgers, and its English key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...i18n import N_


@dataclass(frozen=True)
class Column:
    key: str  # the field it fills
    header: str  # the canonical (template) header
    synonyms: tuple[str, ...] = ()
    required: bool = False  # the column must be present (its cells may still be blank, see below)
    text: bool = True  # stored as text in the template, so Excel keeps "0101" and 18-digit numbers
    width: int = 12
    note: str = ""  # what the 说明 sheet says about it


COLUMNS: tuple[Column, ...] = (
    Column("site", "小区", ("小区名称", "小区名", "小区/村湾", "村湾", "小区村湾", "所属小区"), required=True, width=16,
           note="必填。系统中本社区已有的小区或村湾名称（须先在系统中建立）。"),
    Column("building", "楼栋", ("楼栋号", "楼号", "栋", "栋号", "楼"), required=True,
           note="必填。如 1栋、A座；没有的楼栋会自动建立。"),
    Column("entrance", "单元", ("单元号",), note="可空。如 1、2单元。"),
    Column("floor", "楼层", ("层", "所在楼层", "层数"), text=False, width=8, note="可空。整数，-10 至 300。"),
    Column("number", "房号", ("房间号", "门牌号", "室", "房号/门牌号"), required=True, note="必填。如 301。"),
    Column("area", "面积（㎡）", ("面积", "建筑面积", "房屋面积", "住房面积"), text=False, width=10,
           note="可空。平方米，最多两位小数。"),
    Column("kind", "类型", ("住户类型", "居住类型", "居住情况", "房屋类型", "性质"), required=True, width=8,
           note="必填。自住、租住或空置。"),
    Column("name", "户主姓名", ("户主", "户主名", "姓名", "业主姓名", "业主"), required=True,
           note="除空置外必填。同一住户中按姓名识别户主：已有则更新，没有则新建。"),
    Column("phone", "电话", ("联系电话", "手机", "手机号", "手机号码", "电话号码"), width=14, note="可空。"),
    Column("members", "人数", ("家庭人数", "居住人数", "常住人数", "户内人数"), text=False, width=8,
           note="可空。住户人数，整数 0 至 999。"),
    Column("id_card", "身份证号", ("身份证", "身份证号码", "户主身份证号", "公民身份号码"), width=22,
           note="可空。18 位，校验位正确；加密保存，只显示脱敏后的号码。"),
    Column("tags", "标签", ("居民标签", "人员标签"), width=16, note="可空。多个用顿号或逗号分隔，如 党员、业委会。"),
    Column("moved_in", "入住日期", ("入住时间", "入住"), text=False, width=12,
           note="可空。日期，如 2020-01-05、2020/1/5、2020年1月5日。"),
)
BY_KEY = {c.key: c for c in COLUMNS}

# An example row of the template (the site is filled in with one of the community's).
EXAMPLE = {"building": "1栋", "entrance": "1", "floor": 3, "number": "301", "area": 89.5, "kind": "自住",
           "name": "张三", "phone": "13800000000", "members": 3, "id_card": None, "tags": "党员、业委会",
           "moved_in": "2020-01-05"}

# 类型 → HouseholdKind
KIND_LABELS = {
    "自住": "owner", "业主自住": "owner", "业主": "owner", "自有": "owner", "owner": "owner",
    "租住": "renter", "出租": "renter", "租户": "renter", "租赁": "renter", "承租": "renter", "renter": "renter",
    "空置": "vacant", "空房": "vacant", "闲置": "vacant", "vacant": "vacant",
}

_SPACE = re.compile(r"[\s*]+")
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


def normalize_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACE.sub("", text)
    text = _UNIT_SUFFIX.sub("", text) or text
    return text.lower()


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.synonyms):
        _LOOKUP.setdefault(normalize_header(_name), _column.key)


def column_for(header) -> str | None:
    """The key of the column a header names, or None."""
    if header is None:
        return None
    return _LOOKUP.get(normalize_header(header))


class HeaderProblem:
    """Msgids for problems with the header row (the whole file is refused)."""

    NO_HEADER = N_("No header row found: the first rows name none of the expected columns (小区, 楼栋, 房号 …).")
    UNKNOWN = N_("Unknown column. Expected columns: %(expected)s.")
    DUPLICATE = N_("This column appears twice (also column %(other)s).")
    MISSING = N_("A required column is missing.")


def expected_headers() -> str:
    return "、".join(c.header for c in COLUMNS)


# --- the template --------------------------------------------------------------------------------


def write_template(out, site_name: str | None) -> None:
    """An .xlsx with the headers, one example row and a sheet explaining each column."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ...common.spreadsheets import XlsxWriter

    book = XlsxWriter()
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    example = dict(EXAMPLE, site=site_name or "（请填写本社区已有的小区名称）")
    # Text format for the text columns: Excel keeps leading zeros and long numbers (身份证号).
    ws = book.sheet("住户台账", widths=[c.width for c in COLUMNS], freeze="A2",
                    column_formats={i: "@" for i, c in enumerate(COLUMNS, 1) if c.text})
    ws.append([ws.cell(c.header, font=bold, fill=required_fill if c.required else None) for c in COLUMNS])
    ws.append([ws.cell(example.get(c.key), number_format="@" if c.text else None) for c in COLUMNS])
    kinds = DataValidation(type="list", formula1='"自住,租住,空置"', allow_blank=True)
    kinds.error = "请选择 自住、租住 或 空置"
    kind_letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == "kind"))
    kinds.add(f"{kind_letter}2:{kind_letter}100000")
    ws.worksheet.data_validations.append(kinds)

    notes = book.sheet("说明", widths=[14, 76], wrap=[2], landscape=False)
    notes.append([notes.cell("列名", font=bold), notes.cell("说明", font=bold)])
    for column in COLUMNS:
        synonyms = f"（也可写作：{'、'.join(column.synonyms)}）" if column.synonyms else ""
        notes.append([column.header, column.note + synonyms])
    for line in (
        "",
        "只读取第一个工作表；第一行为列名（可以在列名之前有标题行），其后每行一户。",
        "按 小区 + 楼栋 + 单元 + 房号 识别房屋：已有则更新，没有则新建；同一文件中不能重复。",
        "某行有任何错误时整行不导入，并报告行号、列名和原因；其余各行照常导入。",
        "空白单元格不会清除系统中已有的数据；标签只会增加，不会删除；系统中有而文件中没有的居民保留不动。",
        "重复导入同一文件不会产生任何改动；同一文件同时导入两次，结果与导入一次相同。",
        "请删除示例行后再填写。",
    ):
        notes.append(["", line])
    book.save(out)
