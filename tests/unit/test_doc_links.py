"""README.md is a short entry page that links every docs/ page, and no relative link of the docs is
broken: each points at an existing file and each #anchor at a heading of its target page (GitHub's
slugs: lowercase, spaces to '-', punctuation other than '-' and '_' removed, a repeated heading
numbered -1, -2, ...)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
README_MAX_LINES = 200

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?P<target>[^()\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.M)


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(markdown: str) -> str:
    """The page with its fenced code blocks blanked (headings and links inside them are neither), line
    numbers kept."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), markdown)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: the rendered text (code spans and links reduced to their text)
    lowercased, every character but letters, digits, '-', '_' and spaces removed, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for match in HEADING.finditer(prose(path.read_text(encoding="utf-8"))):
        base = slug(match["text"])
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def relative_links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every relative link of a page: not a URL, not mailto, outside code."""
    text = prose(path.read_text(encoding="utf-8"))
    text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    out = []
    for match in LINK.finditer(text):
        target = match["target"]
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            continue
        out.append((text.count("\n", 0, match.start()) + 1, target))
    return out


def broken_links(path: Path, root: Path = REPO_ROOT) -> list[str]:
    problems = []
    for line, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        where = f"{path.relative_to(root)} line {line}: link {target!r}"
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            problems.append(f"{where}: expected a file at {resolved}, there is none")
            continue
        if anchor and resolved.suffix == ".md":
            headings = anchors(resolved)
            if anchor not in headings:
                problems.append(
                    f"{where}: expected a heading of {resolved.relative_to(root)} with the anchor "
                    f"#{anchor}; its anchors are {sorted(headings)}"
                )
    return problems


def test_readme_is_an_entry_page_of_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines, expected at most {README_MAX_LINES}: it is the entry page; "
        "move detail to a page under docs/ and link it"
    )


def test_readme_links_every_docs_page():
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for _, target in relative_links(README)
        if target.partition("#")[0]
    }
    missing = [
        p.relative_to(REPO_ROOT).as_posix() for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked
    ]
    assert not missing, (
        f"docs pages README.md does not link (expected each in its 'Where to go next'): {missing}"
    )


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_relative_links_resolve_to_a_file_and_a_heading(page):
    assert not broken_links(page), "\n".join(broken_links(page))


def test_the_checks_find_links_and_see_a_broken_one(tmp_path):
    """The link reader finds the links of a page (code excluded), and a missing file, a missing
    heading and a repeated heading's numbering are told apart."""
    (tmp_path / "docs").mkdir()
    target = tmp_path / "docs" / "target.md"
    target.write_text(
        "# Target\n\n## The `make run` step: twice\n\n## Again\n\n## Again\n\n```\n## not a heading\n```\n",
        encoding="utf-8",
    )
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "See [it](target.md#the-make-run-step-twice), [the second](target.md#again-1),\n"
        "[gone](missing.md), [no such heading](target.md#not-a-heading), [web](https://example.org/x.md)\n"
        "and `[code](nowhere.md)`.\n\n```\n[fenced](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert [t for _, t in relative_links(page)] == [
        "target.md#the-make-run-step-twice",
        "target.md#again-1",
        "missing.md",
        "target.md#not-a-heading",
    ]
    problems = broken_links(page, root=tmp_path)
    assert len(problems) == 2, problems
    assert "link 'missing.md': expected a file" in problems[0]
    assert "link 'target.md#not-a-heading': expected a heading" in problems[1]
