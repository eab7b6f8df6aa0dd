"""Every noun writes its audit trail through the resource kit (`chanjiao/resources.py`: `Audit`, its `snapshot` with
`exclude`/`redact`/`stand_ins`, `record_named`, `record_on`; docs/architecture.md, "Resource kit"): no noun keeps a
hand-written `_record` or `_snapshot` shell of its own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELLS = {"_record", "_snapshot"}


def test_no_noun_hand_writes_an_audit_shell():
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in SHELLS:
                found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}")
    assert found == []
