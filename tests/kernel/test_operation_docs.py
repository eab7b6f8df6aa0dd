"""Every operation of every app — membership, training, matching and the gateway's own routes — is documented in
Chinese and in English: a summary naming it in both, and a description with a Chinese sentence and English
prose (house style: a Chinese paragraph, then the English one). Labels do not count: the generated access line
(`**权限 Access:** …`), bold headings such as `**谁可以 Who:**` and code spans are left out before looking."""

from __future__ import annotations

import re
from typing import Any

from gateway.main import create_app as gateway_app
from gateway.settings import GatewaySettings
from tests.kernel.route_inputs import service_apps

CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE_PUNCTUATION = re.compile(r"[，。；：、]")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
NOT_PROSE = re.compile(r"`[^`]*`|\*\*[^*]*\*\*")
ACCESS_LINE = re.compile(r"\*\*权限 Access:\*\*[^\n]*")


def prose(text: str) -> str:
    return NOT_PROSE.sub(" ", ACCESS_LINE.sub(" ", text))


def has_chinese_sentence(text: str) -> bool:
    """At least a short sentence: a dozen Chinese characters and Chinese punctuation, not a label or two."""
    return len(CJK.findall(text)) >= 12 and CHINESE_PUNCTUATION.search(text) is not None


def has_english(text: str) -> bool:
    return len(ENGLISH_WORD.findall(text)) >= 3


def undocumented(schema: dict[str, Any], app_name: str) -> list[str]:
    found = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            where = f"{app_name} {method.upper()} {path}"
            summary, description = op.get("summary", ""), prose(op.get("description", ""))
            if not (CJK.search(summary) and ENGLISH_WORD.search(summary)):
                found.append(f"{where}: summary needs Chinese and English")
            if not has_chinese_sentence(description):
                found.append(f"{where}: description needs a Chinese sentence")
            if not has_english(description):
                found.append(f"{where}: description needs English")
    return found


def test_every_operation_of_every_app_is_described_in_chinese_and_english():
    apps = {app.title: app.openapi() for app in service_apps()}
    apps["gateway"] = gateway_app(GatewaySettings()).inner.openapi()
    assert sum(len(s["paths"]) for s in apps.values()) > 80
    assert apps["gateway"]["paths"], "the gateway documents its own routes"
    missing = [line for name, schema in apps.items() for line in undocumented(schema, name)]
    assert missing == [], "\n".join(missing)


def test_labels_alone_do_not_count():
    label_only = "Soft delete.\n\n**谁可以 Who:** platform admins only.\n\n**权限 Access:** roles: `platform_admin`."
    assert not has_chinese_sentence(prose(label_only))
    codes_only = "Filters: `单位类型`, `行政区划代码`, `统一社会信用代码`, `职业教育专业目录`."
    assert not has_chinese_sentence(prose(codes_only))
    house_style = "软删除：单位从读取和列表中消失，在增量同步中以墓碑出现。\n\nSoft delete: gone from reads and lists."
    assert has_chinese_sentence(prose(house_style)) and has_english(prose(house_style))
    assert not has_english(prose("仅平台管理员可用：为代码表补充缺少的代码，代码须格式正确且尚不存在。"))
