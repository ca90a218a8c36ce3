"""The repository explains itself: nothing points at the handbook outside it, and the docs' links resolve."""

from __future__ import annotations

import re
from pathlib import Path

from sealkit.testing import REPO_ROOT

SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".sh", ".lua", ".txt", ".json", ""}
# The handbook lived beside the repository (a folder next to the checkout) under these names; a clone has none of them.
HANDBOOK = re.compile(r"\.\./shared\b|\b(?:API|ARCHITECTURE|PERFORMANCE|STYLE)\.md\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def repository_files() -> list[Path]:
    files = []
    for path in REPO_ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(REPO_ROOT).parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.name != "uv.lock":
            files.append(path)
    return files


def test_no_file_refers_to_the_handbook_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in repository_files()
        if path.resolve() != here
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if HANDBOOK.search(line)
    ]
    assert not found, "point these at docs/ (api.md, architecture.md, performance.md):\n" + "\n".join(found)


def test_relative_links_in_markdown_resolve() -> None:
    broken = [
        f"{path.relative_to(REPO_ROOT)}: {target}"
        for path in repository_files()
        if path.suffix == ".md"
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("mailto:") and not (path.parent / target).exists()
    ]
    assert not broken, "broken links:\n" + "\n".join(broken)
