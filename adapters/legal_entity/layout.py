"""The legal-entity library's own layout, as its change feed and lookups answer it.

The library keeps the column names of the market-supervision registration system (upper-case
pinyin abbreviations). One change-feed item::

    {"SEQ": 42, "CHANGE_ID": "BG-2026-000042", "CHANGE_TYPE": "02",
     "UNISCID": "91310112MA1GB2002R", "ENTNAME": "上海闵行示例物流有限公司",
     "REGNO": "310112000123456", "ENTTYPE_CN": "有限责任公司", "LEREP": "赵六",
     "REGCAP": "500", "DOM": "上海市闵行区示例路8号", "DOMDISTRICT": "310112",
     "REGORG_CN": "上海市闵行区市场监督管理局", "REGSTATE_CN": "存续",
     "ESTDATE": "2026-11-20", "ALTDATE": "2026-12-01", "CANDATE": null,
     "INDUSTRYCO": "G5430", "INDUSTRY_EDITION": "2017",
     "OPSCOPE": "许可项目：食品经营（销售预包装食品）。一般项目：仓储服务；装卸搬运。",
     "ALTITEMS": [{"ALTITEM": "经营范围", "ALTBE": "...", "ALTAF": "..."}]}

``SEQ`` is the feed position (the watermark), ``CHANGE_TYPE`` says what happened
(:data:`CHANGE_TYPES`). A lookup answers the entity's current row: the same fields without
``SEQ``, ``CHANGE_ID``, ``CHANGE_TYPE`` and ``ALTITEMS``.

``OPSCOPE`` is the business scope as free text. Since the 2021 scope reform it is split into
licensed items (许可项目) and general items (一般项目); older text names no sections.
"""

from __future__ import annotations

import re

SEQ = "SEQ"
CHANGE_ID = "CHANGE_ID"
CHANGE_TYPE = "CHANGE_TYPE"

#: CHANGE_TYPE code -> the unified standard's registration event.
CHANGE_TYPES: dict[str, str] = {"01": "establishment", "02": "change", "03": "deregistration"}
#: Registration status (登记状态) the library gives a deregistered entity.
DEREGISTERED = "注销"
ACTIVE = "存续"

_LICENSED = ("许可经营项目", "许可项目")
_GENERAL = ("一般经营项目", "一般项目")
_SECTION = re.compile("(" + "|".join(_LICENSED + _GENERAL) + r")\s*[：:]")
_BOILERPLATE = re.compile(r"[（(]\s*(?:除)?依法须经批准[^）)]*[）)]")
_ITEM_SEPARATOR = re.compile(r"[；;。\n]+")


def parse_scope(text: str) -> tuple[list[str], list[str]]:
    """(licensed items, general items) of an ``OPSCOPE`` text.

    Text outside a 许可/一般 section (older registrations name no sections) counts as licensed:
    dual notification matches licensed items against the approvals catalogue, and an item
    wrongly counted as licensed costs a notification nobody claims, while the opposite
    mistake silently skips an approving department.
    """
    licensed: list[str] = []
    general: list[str] = []
    text = _BOILERPLATE.sub("", text)
    position, target = 0, licensed
    for match in _SECTION.finditer(text):
        target.extend(_items(text[position:match.start()]))
        target = licensed if match.group(1) in _LICENSED else general
        position = match.end()
    target.extend(_items(text[position:]))
    return licensed, general


def compose_scope(licensed: list[str] | None, general: list[str] | None) -> str:
    """The ``OPSCOPE`` text for the two item lists (the reverse of :func:`parse_scope`)."""
    parts = []
    if licensed:
        parts.append("许可项目：" + "；".join(licensed) + "。")
    if general:
        parts.append("一般项目：" + "；".join(general) + "。")
    return "".join(parts)


def _items(section: str) -> list[str]:
    return [item.strip(" \t\u3000，,、") for item in _ITEM_SEPARATOR.split(section)
            if item.strip(" \t\u3000，,、")]


_DATE = re.compile(r"^(\d{4})[-/]?(\d{2})[-/]?(\d{2})(?:[ T].*)?$")


def normalise_date(value: str) -> str:
    """``YYYY-MM-DD`` for the date forms the library uses (``2026-11-20``, ``2026/11/20``,
    ``20261120``, with or without a time); anything else unchanged, for the standard's date
    check to report."""
    match = _DATE.match(value.strip())
    return "-".join(match.groups()) if match else value
