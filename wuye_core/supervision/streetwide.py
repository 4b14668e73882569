"""The street-wide comparison as a workbook (街道汇总), built like the core's KPI workbooks
(tickets/export.py, common/spreadsheets.py: text never a formula, rates as percentages) and
answered the same way (`xlsx_response`, file names in both forms). It holds figures only, no
personal data; each company's figures were read under its grant and recorded in its trail."""

from __future__ import annotations

from flask import Response

from ..auth.roles import Identity
from ..common.spreadsheets import XlsxWriter, download_name, xlsx_response
from ..tickets import kpis
from ..tickets.exporting import span
from .figures import street_figures

# (header, the figure's path in a row, a rate shown as a percentage)
COLUMNS = [
    ("社区", ("community_name",), False), ("服务单位", ("organisation_name",), False),
    ("类别", ("organisation",), False), ("服务小区", ("site_names",), False),
    ("当前未办结", ("open_now",), False), ("当前到场超时", ("overdue_arrive_now",), False),
    ("当前办结超时", ("overdue_resolve_now",), False), ("期间工单数", ("total",), False),
    ("受理时长中位数（分钟）", ("response", "p50_minutes"), False),
    ("办结时长中位数（分钟）", ("resolution", "p50_minutes"), False),
    ("办结率", ("completion_rate", "value"), True), ("投诉办结率", ("complaint_closure_rate", "value"), True),
    ("到场时限达标率", ("arrive_sla_rate", "value"), True), ("办结时限达标率", ("resolve_sla_rate", "value"), True),
    ("平均满意度（1–5 分）", ("satisfaction", "average"), False), ("评分工单数", ("satisfaction", "rated"), False),
    ("重开率", ("reopened_rate", "value"), True),
]
ORGANISATION = {"own": "本单位", "provider": "服务企业"}


def _value(row: dict, path: tuple):
    value = row
    for key in path:
        value = value[key]
    if path == ("organisation",):
        return ORGANISATION.get(value, value)
    if isinstance(value, list):
        return "、".join(value) or None
    return value


def write_street_figures(out, figures: dict) -> None:
    book = XlsxWriter()
    period = figures["period"]
    ws = book.sheet("街道汇总", header=[h for h, _, _ in COLUMNS],
                    widths=[16, 20, 10, 24, *[12] * (len(COLUMNS) - 4)], freeze="C2", wrap=[4])
    for row in figures["rows"]:
        ws.append([ws.cell(value, number_format="0.00%") if percent and value is not None else value
                   for value, percent in ((_value(row, path), percent) for _h, path, percent in COLUMNS)])
    about = book.sheet("说明", header=["项目", "内容"], widths=[24, 70], wrap=[2])  # one portrait page wide
    about.append(["统计期间（按提交时间，北京时间）", f"{period['from'].isoformat()} 至 {period['to'].isoformat()}"])
    about.append(["指标口径", "与工单指标相同（办结率、时限达标率、满意度、重开率等）；“当前”各列为导出时刻的数字"])
    about.append(["服务企业", "经已生效的服务关系查阅，仅含所服务的本方小区的工单；每次查阅记入对方审计日志"])
    book.save(out)


def street_figures_xlsx(identity: Identity, period: kpis.Period) -> Response:
    figures = street_figures(identity, period)
    return xlsx_response(lambda out: write_street_figures(out, figures),
                         download_name("street-figures", span(period), ext="xlsx"),
                         download_name("街道汇总", f"{period.first}至{period.last}", ext="xlsx"))
