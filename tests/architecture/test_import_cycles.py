"""No import cycles between packages: the contract in pyproject.toml (`[tool.importlinter]`, type
`acyclic_siblings`) checked with import-linter over the kernel, the gateway, the demo loader, the services (none
imports another) and, inside each service, its nouns and modules — at every depth."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("importlinter.cli", reason="import-linter is a dev dependency")

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def test_no_import_cycles_between_packages():
    # In its own process: import-linter configures logging as it starts (which would silence this process's loggers).
    run = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    result = subprocess.run(
        [sys.executable, "-c", run], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_covers_the_kernel_the_gateway_and_every_service():
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "acyclic_siblings"]
    services = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
    wanted = {"chanjiao", "gateway", "services", *(f"services.{s}" for s in services)}
    assert wanted <= set(contract["ancestors"])
    # The exceptions are reads of another noun's models or schemas, or calls into a noun's published functions (its
    # package or its `service`): a router never closes a cycle, on either side.
    for entry in contract.get("ignore_imports", []):
        importer, imported = (part.strip() for part in entry.split("->"))
        published = imported.endswith(".service") or imported.count(".") == 3
        assert imported.endswith((".models", ".schemas")) or published, entry
        assert not any(".router" in m or "routes_" in m for m in (importer, imported)), entry
