"""Every table belongs to one noun, and no module outside that noun touches it — except the reads and statements
declared in docs/architecture.md ("Reads across nouns"), which this test reads, so the document and the code cannot
drift: a new crossing fails here naming the module and the table, and a declared one that is gone fails too.

A module touches a table when it imports the table's model class from the owning noun's `models` (found with
grimp, import-linter's graph library), names it in `sa.table("…")`, or names it in raw SQL (a string that reads as
SQL: `from`/`join`/`into`/`update` followed by the table's name). The service's table registry
(`services/<service>/models.py`) lists every table and touches none.

Also: a noun folder has the standard files (docs/architecture.md, "Where a change goes")."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
SERVICES = ROOT / "services"
SECTION = "## Reads across nouns"

# Folders of nouns that are not nouns themselves.
NOUN_FOLDERS = ("services/membership/identity",)
STANDARD = ("models.py", "schemas.py", "service.py", "router.py")
# Nouns without a table of their own: the training statistics are one statement over the other nouns' tables;
# invitations are one-time tokens of identity (services/membership/identity/one_time.py) for a user to be; the
# matching figures are one statement too; the matching ranking reads the postings and computes
# (docs/matching-ranking-routes.md).
WITHOUT_TABLE = {
    "services/training/stats",
    "services/matching/stats",
    "services/matching/ranking",
    "services/membership/identity/invitations",
    "services/membership/member_facts",
}
# Nouns being built: their tables and rules exist, their routes do not yet. They must have `models.py`; the other
# standard files are checked once the noun leaves this list.
IN_CONSTRUCTION: set[str] = set()
# Packages of pure computation beside the nouns: plain values in and out, no table, no route, no database; the noun
# that serves them calls them (the ranking engine, docs/matching-ranking.md; the allocation solver,
# docs/matching-allocation.md). None of the standard files.
ENGINES = {"services/matching/allocation", "services/matching/scoring"}

SQL_WORDS = re.compile(r"\b(select|insert|update|delete)\b", re.IGNORECASE)
SQL_TABLE = re.compile(r"\b(?:from|join|into|update)\s+(?:[a-z_]+\.)?\"?([a-z_][a-z0-9_]*)", re.IGNORECASE)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def nouns() -> list[str]:
    """Every noun folder, as a repository path: `services/<service>/<noun>` and identity's
    `services/membership/identity/<noun>`."""
    found = []
    for init in sorted(SERVICES.glob("*/*/__init__.py")) + sorted(SERVICES.glob("membership/identity/*/__init__.py")):
        folder = _rel(init.parent)
        if folder not in NOUN_FOLDERS:
            found.append(folder)
    return found


def noun_of(module_path: str) -> str | None:
    """The noun a module (repository path) belongs to; None for a service-level module."""
    owners = [n for n in nouns() if module_path.startswith(n + "/")]
    return max(owners, key=len) if owners else None


@cache
def owners() -> dict[str, str]:
    """table name → the noun whose `models.py` declares it."""
    out: dict[str, str] = {}
    for noun in nouns():
        if not (ROOT / noun / "models.py").exists():
            continue
        module_name = noun.replace("/", ".") + ".models"
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            table = getattr(value, "__table__", None)
            if table is not None and getattr(value, "__module__", None) == module_name:
                out[table.name] = noun
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _module_path(module: str) -> Path:
    path = ROOT / (module.replace(".", "/") + ".py")
    return path if path.exists() else ROOT / module.replace(".", "/") / "__init__.py"


def touched_tables() -> set[tuple[str, str]]:
    """(module path, table) for every table a module touches outside the noun that owns it."""
    tables = owners()
    classes: dict[tuple[str, str], str] = {}  # (models module, class name) → table
    for noun in {*tables.values()}:
        module_name = noun.replace("/", ".") + ".models"
        for name, value in vars(importlib.import_module(module_name)).items():
            if getattr(value, "__module__", None) == module_name and hasattr(value, "__table__"):
                classes[(module_name, name)] = value.__table__.name
    graph = grimp.build_graph("services")
    found: set[tuple[str, str]] = set()
    for module in sorted(graph.modules):
        path = _module_path(module)
        if not path.exists():
            continue
        rel = _rel(path)
        if re.fullmatch(r"services/[a-z_]+/models\.py", rel):  # the service's table registry
            continue
        here = noun_of(rel)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named: set[str] = set()
        imported_models = {m for m in graph.find_modules_directly_imported_by(module) if m.endswith(".models")}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in imported_models:
                named.update(classes[(node.module, a.name)] for a in node.names if (node.module, a.name) in classes)
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if SQL_WORDS.search(node.value):
                    named.update(t for t in SQL_TABLE.findall(node.value) if t in tables)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "table"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in tables
            ):
                named.add(node.args[0].value)
        found.update((rel, t) for t in named if tables[t] != here)
    return found


def declared() -> dict[tuple[str, str], str]:
    """(module path, table) → kind, from the table of docs/architecture.md's section "Reads across nouns": rows
    `| `module` | `table`, `table` | kind | why |`."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{SECTION!r} is missing from docs/architecture.md"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    out: dict[tuple[str, str], str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`services/"):
            continue
        module = cells[0].strip("`")
        for table in re.findall(r"`([a-z_]+)`", cells[1]):
            out[(module, table)] = cells[2]
    return out


def test_the_declared_crossings_are_listed_in_docs_architecture():
    rows = declared()
    assert rows, "no rows parsed from docs/architecture.md"
    kinds = {kind for kind in rows.values()}
    assert kinds <= {"read model", "set-based statement", "access rule", "follows a move"}, kinds
    for module, table in rows:
        assert (ROOT / module).exists(), f"{module} (docs/architecture.md) does not exist"
        assert table in owners(), f"{table} (docs/architecture.md, {module}) is no table of a noun"


def test_no_module_outside_a_noun_touches_its_tables_unless_declared():
    rows = declared()
    touched = touched_tables()
    undeclared = sorted(
        f"{module} touches {table} (a table of {owners()[table]}): call the noun's service, or declare the read "
        f"in docs/architecture.md, {SECTION!r}"
        for module, table in touched
        if (module, table) not in rows
    )
    assert undeclared == []
    stale = sorted(f"{m} no longer touches {t}: remove its row" for m, t in rows if (m, t) not in touched)
    assert stale == []


def test_a_crossing_is_found_through_imports_and_raw_sql():
    touched = touched_tables()
    # an import of another noun's model class
    assert ("services/membership/tenancy.py", "people") in touched
    # raw SQL naming another noun's tables: the one-pass statistics
    assert ("services/training/stats/service.py", "enrolments") in touched
    # a noun's own tables are never a crossing
    assert not any(m.startswith("services/training/learners/") and t == "learners" for m, t in touched)


def test_a_noun_folder_has_the_standard_files():
    missing = []
    for noun in nouns():
        if noun in ENGINES:
            continue
        wanted = ("models.py",) if noun in IN_CONSTRUCTION else STANDARD
        if noun in WITHOUT_TABLE:
            wanted = tuple(f for f in wanted if f != "models.py")
        missing.extend(f"{noun}/{name}" for name in wanted if not (ROOT / noun / name).exists())
    assert missing == []


def test_the_exceptions_to_the_standard_files_are_nouns():
    for folder in WITHOUT_TABLE | IN_CONSTRUCTION | ENGINES:
        assert folder in nouns(), folder
    for folder in ENGINES:
        served = [name for name in STANDARD if (ROOT / folder / name).exists()]
        assert served == [], f"{folder} has {served}: a noun now, remove it from ENGINES"
    for folder in WITHOUT_TABLE:
        assert not (ROOT / folder / "models.py").exists(), f"{folder} has a models.py: remove it from WITHOUT_TABLE"
