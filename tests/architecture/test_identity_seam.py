"""Identity's seam with the rest of the membership service: each side asks the other through the functions the
owning noun publishes, never through the other's tables or models (docs/identity.md, "Identity's nouns and its
seam")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEMBERSHIP = ROOT / "services" / "membership"
IDENTITY = MEMBERSHIP / "identity"
NOUNS = ("users", "sessions", "api_keys", "invitations", "grants")
PREFIX = "services.membership."


def _imports(path: Path) -> list[str]:
    """Every module `path` imports, `from x import y` counted as both `x` and `x.y` (y may be a module)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names)
    return out


def _identity_modules() -> list[Path]:
    return sorted(IDENTITY.rglob("*.py"))


def _noun_of(path: Path) -> str | None:
    """The identity noun a module belongs to (None: an identity-wide module such as `throttle.py`)."""
    parts = path.relative_to(IDENTITY).parts
    return parts[0] if len(parts) > 1 else None


@pytest.mark.parametrize("path", _identity_modules(), ids=lambda p: str(p.relative_to(IDENTITY)))
def test_identity_imports_no_other_nouns_models(path):
    own = _noun_of(path)
    bad = []
    for name in _imports(path):
        if not name.startswith(PREFIX) or not name.endswith(".models"):
            continue
        owner = name.removeprefix(PREFIX).removesuffix(".models")
        if owner != f"identity.{own}":
            bad.append(name)
    assert bad == [], f"{path.relative_to(ROOT)} imports another noun's models: {bad}"


def test_every_identity_noun_has_the_standard_files():
    for noun in NOUNS:
        files = {p.name for p in (IDENTITY / noun).glob("*.py")}
        expected = {"__init__.py", "schemas.py", "service.py", "router.py"}
        # Invitations live in the one-time token table that resets and the setup token share (one_time.py).
        if noun != "invitations":
            expected.add("models.py")
        assert expected <= files, (noun, sorted(expected - files))


def test_no_identity_module_is_long():
    long = {str(p.relative_to(ROOT)): n for p in _identity_modules() if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_tenancy_reads_no_identity_table():
    path = MEMBERSHIP / "tenancy.py"
    source = path.read_text(encoding="utf-8")
    assert "sa.table(" not in source and "sqlalchemy.table(" not in source
    assert "to_regclass" not in source
    reached = [n for n in _imports(path) if n.startswith(f"{PREFIX}identity")]
    # Only what the users noun publishes from its package.
    assert reached and all(n.startswith(f"{PREFIX}identity.users") for n in reached), reached
    assert not any(n.endswith(".models") for n in reached), reached


def test_the_published_claim_check_is_the_one_tenancy_uses():
    from services.membership import tenancy
    from services.membership.identity import users

    assert tenancy.org_is_claimed is users.org_is_claimed
