"""The columns of a source's rows: declared once, in its parser's module, as :class:`Column`s. The
parser produces exactly these columns, in this order, and the raw table it loads is made of them
(ingestion/sources/base.py ``RawTable``: its DDL and the values compared on reload)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a parser's rows and of its raw table."""

    name: str
    type: str  # DuckDB type in the raw table: varchar, date, double, boolean, timestamptz
    comment: str = ""  # what it holds (the DDL's comment)
    not_null: bool = False
    default: str | None = None  # SQL default, e.g. "false"

    @property
    def ddl(self) -> str:
        return " ".join(
            part
            for part in (
                f"{self.name:<17} {self.type:<9}",
                "not null" if self.not_null else "",
                f"default {self.default}" if self.default is not None else "",
            )
            if part
        )


def names(columns: Sequence[Column]) -> tuple[str, ...]:
    return tuple(c.name for c in columns)
