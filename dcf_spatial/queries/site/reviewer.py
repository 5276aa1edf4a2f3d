"""A site check's reasons and notes as a reviewer reads them in the 核查意见 (DOCX, PDF) and the HTML report:
without layer or unit ids, data-file names or the data file's working notes. Words of the answer, used by the
desk's reports and by :mod:`dcf_spatial.queries.site.report` alike (one source)."""

from __future__ import annotations

import re

from ...user_text import printable_name

#: internal words a reviewer should not have to read in a 核查意见, and what the report says instead
#: (the data file's notes and the gazetteer's ids stay in the CLI's and the register's text)
_REVIEWER_WORDS = (
    (r"待核对原文：[^；。]*", "指标数值待核实（须与正式文本核对）"),
    (r"待核（verify）：[^；。]*", "指标数值待核实（须与正式文本核对）"),
    (r"，?请在数据文件\s*\S+?\s*中录入", "，阈值待核实、待录入"),
    (r"，[A-Za-z_][A-Za-z0-9_]* 图层 [A-Za-z0-9_.\-]+", ""),
    (r"图层库中没有 landuse 图层", "图层库中没有土地利用现状图层"),
)


def reviewer_text(text) -> str:
    """``text`` as a reviewer reads it in the 核查意见: no layer or unit ids, no data-file names, and the
    data file's "待核对原文" notes said as 指标数值待核实.

    Examples
    --------
    >>> reviewer_text("郑家镇工业集聚区（集聚区，industrial_clusters 图层 cluster.zhengjia，规划第八章第一节）")
    '郑家镇工业集聚区（集聚区，规划第八章第一节）'
    >>> reviewer_text("未提供总建筑面积（m²）；待核对原文：两份二手资料所载表2数值一致，须与正式文本核对")
    '未提供总建筑面积（m²）；指标数值待核实（须与正式文本核对）'
    >>> reviewer_text("尚未录入投资强度阈值，请在数据文件 land_control_indicators_2008.csv 中录入")
    '尚未录入投资强度阈值，阈值待核实、待录入'
    """
    if not isinstance(text, str):
        return text
    for pattern, repl in _REVIEWER_WORDS:
        text = re.sub(pattern, repl, text)
    # the user's words in it (a 项目名称, a file's 地块名称) with their hidden characters in words: a right-to-left
    # override cannot reverse what a reviewer reads, ESC cannot break the DOCX (breaker F11); line breaks stay
    return printable_name(text, line_breaks=True)
