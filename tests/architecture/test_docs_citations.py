"""The repository owns its design documents: code, docs and the public OpenAPI text cite only files that are in it.

* No source file, doc or operation text points at a design file kept outside the repository (the upper-case design
  notes, a sibling `shared` folder): a reader of the code or an integrator reading `/docs` cannot open those.
* Every `docs/<name>.md` that code, docs or the OpenAPI text names exists, so a citation cannot rot into a dead end.
* No code, doc or operation text names a numbered work item (the word "issue" and a number): cite the doc that
  states the rule.

Every `.md` file is checked, `docs/` included: the docs say what is true now, and history lives in git. The
numbered findings inside `docs/security.md` are that page's own sections, not work items, and are not matched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()

SUFFIXES = {".py", ".md", ".json", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".sh", ".lua"}
NAMES = {"Makefile", "Dockerfile"}
SKIPPED_DIRS = {"__pycache__", "node_modules", "build", "dist", "results"}

# A design file outside the repository: the upper-case design notes, or a path into a sibling `shared` folder.
OUTSIDE = re.compile(r"\b(?:API|DOMAIN|ARCHITECTURE|STYLE)\.md\b|\.\./shared\b|\bshared/(?:design|seeds)\b")
DOC_CITATION = re.compile(r"\bdocs/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\.md\b")
WORK_ITEM = re.compile(r"\bissue\s+#?\d+\b", re.IGNORECASE)


def repository_files() -> Iterator[Path]:
    """The project's text files: hidden folders (.git, .venv, caches, local state) and build output left out."""

    def walk(folder: Path) -> Iterator[Path]:
        for entry in sorted(folder.iterdir()):
            if entry.is_dir():
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info"):
                    continue
                yield from walk(entry)
            elif entry.suffix in SUFFIXES or entry.name in NAMES:
                if entry.resolve() != THIS:
                    yield entry

    yield from walk(ROOT)


def hits(pattern: re.Pattern[str], text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip()[:160]) for number, line in enumerate(text.splitlines(), start=1) if pattern.search(line)
    ]


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8", errors="replace") for p in repository_files()}


@pytest.fixture(scope="module")
def openapi_texts() -> dict[str, str]:
    """Each service's OpenAPI document as JSON text (no database is needed to build it)."""
    from services.matching.main import create_app as matching_app
    from services.membership.main import create_app as membership_app
    from services.training.main import create_app as training_app

    common = {"internal_token_key": TEST_KEY, "environment": "development"}
    apps = {
        "membership": membership_app(MembershipSettings(**common)),
        "training": training_app(TrainingSettings(**common)),
        "matching": matching_app(MatchingSettings(**common)),
    }
    return {name: json.dumps(app.openapi(), ensure_ascii=False) for name, app in apps.items()}


def test_the_scan_sees_the_code_and_the_docs(files):
    # A guard for the walk itself: were it to skip the tree, every test below would pass on nothing.
    for expected in ("chanjiao/app.py", "services/membership/main.py", "docs/domain.md", "docs/api.md", "README.md"):
        assert expected in files


def test_nothing_cites_a_design_file_outside_the_repository(files):
    found = {path: hits(OUTSIDE, text) for path, text in files.items()}
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_the_openapi_text_cites_no_design_file_outside_the_repository(openapi_texts):
    found = {name: sorted(set(OUTSIDE.findall(text))) for name, text in openapi_texts.items()}
    assert {name: names for name, names in found.items() if names} == {}


def test_every_cited_doc_exists(files, openapi_texts):
    cited: dict[str, set[str]] = {}
    for where, text in [*files.items(), *((f"openapi:{n}", t) for n, t in openapi_texts.items())]:
        for name in DOC_CITATION.findall(text):
            cited.setdefault(f"docs/{name}.md", set()).add(where)
    missing = {doc: sorted(where) for doc, where in cited.items() if not (ROOT / doc).is_file()}
    assert missing == {}
    assert "docs/domain.md" in cited and "docs/api.md" in cited


def test_no_code_doc_or_operation_text_names_a_work_item(files, openapi_texts):
    found = {path: hits(WORK_ITEM, text) for path, text in files.items()}
    found.update({f"openapi:{name}": hits(WORK_ITEM, text) for name, text in openapi_texts.items()})
    assert {path: lines for path, lines in found.items() if lines} == {}


@pytest.mark.parametrize(
    ("text", "outside", "doc", "work_item"),
    [
        ("see API.md decisions", True, None, False),
        ("(DOMAIN.md §2)", True, None, False),
        ("the notes in ../shared/design", True, None, False),
        ('`docs/api.md`, "Errors"', False, "api", False),
        ("docs/reference-data.md", False, "reference-data", False),
        ("Target (" + "issue" + " 5): one second", False, None, True),  # split so this file does not name one itself
        ("issues the next token in its family", False, None, False),
        ("finding 4 of docs/security.md", False, "security", False),
    ],
)
def test_the_patterns_tell_a_citation_from_ordinary_text(text, outside, doc, work_item):
    assert bool(OUTSIDE.search(text)) is outside
    assert (DOC_CITATION.findall(text) or [None])[0] == doc
    assert bool(WORK_ITEM.search(text)) is work_item
