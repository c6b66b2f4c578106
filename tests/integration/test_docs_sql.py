"""Every ```sql block README.md and docs/*.md show runs against the published warehouse.

The analyst questions (blocks after ``<!-- question: NAME -->`` or ``<!-- sample-question: N -->``)
are run and their answers checked by test_docs_sample_questions.py and
acceptance/test_docs_rotation_questions.py. Every other block is executed here, as written, on a
read-only connection to the serving.duckdb of the shared sample build, from a folder where
``warehouse/`` is that build's ROTATION_HOME (so the docs' relative paths, e.g.
``warehouse/parquet/rotation_daily.parquet``, reach its files). Dates that only the real snapshot has
still bind; an empty result is not a failure. A block not meant to run against serving.duckdb (DDL,
another engine's dialect) says so right before it: ``<!-- sql: not-run (the reason) -->``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]

SQL_BLOCK = re.compile(r"^```sql[^\n]*\n(?P<sql>.*?)^```[^\S\n]*$", re.S | re.M)
QUESTION_MARKER = re.compile(r"<!-- (?:sample-)?question: [\w-]+ -->")
SQL_MARKER = re.compile(r"<!-- sql: (?P<rest>.*?) -->")
NOT_RUN = re.compile(r"not-run \((?P<reason>[^)]*\S[^)]*)\)")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    sql: str
    marker: str  # the HTML comment right before the fence, "" when none

    @property
    def where(self) -> str:
        return f"{self.page} line {self.line}"


def sql_blocks() -> list[Block]:
    blocks = []
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        for match in SQL_BLOCK.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
            marker = before if before.startswith("<!--") else ""
            line = text.count("\n", 0, match.start()) + 1
            blocks.append(Block(path.relative_to(REPO_ROOT).as_posix(), line, match["sql"], marker))
    return blocks


BLOCKS = sql_blocks()
TO_RUN = [b for b in BLOCKS if not QUESTION_MARKER.fullmatch(b.marker) and not SQL_MARKER.fullmatch(b.marker)]


def test_blocks_are_found_and_every_marker_is_known():
    """The reader sees the docs' SQL (20 question blocks and the others), and a comment before a block
    is a question marker or ``<!-- sql: not-run (reason) -->`` with a reason."""
    questions = [b for b in BLOCKS if QUESTION_MARKER.fullmatch(b.marker)]
    assert len(questions) == 20, (
        f"expected the 20 analyst question blocks of docs/questions.md (8 question, 12 sample-question), "
        f"found {len(questions)}: {[b.where for b in questions]}"
    )
    assert len(TO_RUN) >= 8, f"expected the docs' other SQL blocks, found {[b.where for b in TO_RUN]}"
    for block in BLOCKS:
        if block.marker and not QUESTION_MARKER.fullmatch(block.marker):
            sql_marker = SQL_MARKER.fullmatch(block.marker)
            assert sql_marker and NOT_RUN.fullmatch(sql_marker["rest"]), (
                f"{block.where}: the comment before the ```sql block is {block.marker!r}; expected a question "
                "marker or <!-- sql: not-run (the reason it does not run against serving.duckdb) -->"
            )


@pytest.fixture(scope="module")
def docs_folder(sample_warehouse, tmp_path_factory) -> Path:
    """A folder whose ``warehouse`` is the sample build's ROTATION_HOME, as the repository's is."""
    settings, run = sample_warehouse
    assert run.success, run.failures
    folder = tmp_path_factory.mktemp("docs_sql")
    (folder / "warehouse").symlink_to(settings.home, target_is_directory=True)
    return folder


@pytest.mark.parametrize("block", TO_RUN, ids=lambda b: b.where)
def test_sql_block_runs_on_the_sample_serving_file(block, docs_folder, sample_warehouse, monkeypatch):
    settings, _ = sample_warehouse
    monkeypatch.chdir(docs_folder)
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        try:
            con.execute(block.sql).fetchall()
        except duckdb.Error as e:
            pytest.fail(
                f"{block.where}: the ```sql block failed on the sample build's serving.duckdb (read-only): "
                f"{type(e).__name__}: {e}\n--- the block:\n{block.sql}--- expected it to run as written; if it "
                "is not meant for serving.duckdb, put <!-- sql: not-run (reason) --> right before it"
            )
