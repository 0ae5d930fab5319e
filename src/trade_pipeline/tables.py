"""Tables that fit the console they are printed on: no cell is ever cut.

:class:`FitTable` takes columns and rows like :class:`rich.table.Table` and chooses its layout
when it is rendered, from the width rich gives it (the terminal, ``COLUMNS`` when piped):

- the whole table, every cell on its lines as written, when it fits;
- else, for a matrix (``split_columns=True``: a key column and many short ones, such as
  resources per type and region), the same table in column groups, the key column repeated;
- else a stacked layout: one block per row, ``column | value``, where a long value folds inside
  its own cell (the only column that wraps, so the text reads on).

Rich's own wrapping of a wide table shrinks every column at once: long words lose their end to
an ellipsis and the cells of a row interleave. Neither happens here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["FitTable", "fits"]

Justify = Literal["left", "right"]
Cell = str | Text

_UNBOUNDED = 100_000


@dataclass(frozen=True)
class _Column:
    header: str
    justify: Justify


def fits(renderable: RenderableType, console: Console, options: ConsoleOptions) -> bool:
    """Whether ``renderable`` shows whole (nothing wrapped) within ``options.max_width``."""
    natural = Measurement.get(console, options.update_width(_UNBOUNDED), renderable)
    return natural.maximum <= options.max_width


class FitTable:
    """A table that picks whole / column groups / stacked at render time (see the module)."""

    def __init__(self, title: str | None = None, *, split_columns: bool = False) -> None:
        self.title = title
        self.split_columns = split_columns
        self._columns: list[_Column] = []
        self.rows: list[tuple[Cell, ...]] = []

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self._columns)

    def add_column(self, header: str, justify: Justify = "left") -> None:
        self._columns.append(_Column(header, justify))

    def add_row(self, *cells: Cell) -> None:
        if len(cells) != len(self._columns):
            raise ValueError(f"{len(cells)} cells for {len(self._columns)} columns")
        self.rows.append(cells)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        whole = self._whole(range(len(self._columns)), self.title)
        if fits(whole, console, options):
            yield whole
            return
        groups = self._column_groups(console, options) if self.split_columns else None
        if groups:
            yield from groups
            return
        yield self._stacked()

    def _whole(self, indexes: Iterable[int], title: str | None) -> Table:
        table = Table(title=title)
        chosen = list(indexes)
        for index in chosen:
            column = self._columns[index]
            table.add_column(column.header, justify=column.justify, no_wrap=True)
        for row in self.rows:
            table.add_row(*(row[index] for index in chosen))
        return table

    def _column_groups(self, console: Console, options: ConsoleOptions) -> list[Table] | None:
        """The key column (the first) with as many of the others as fit, group after group;
        None when the key and a single other column already do not fit."""
        groups: list[list[int]] = []
        current: list[int] = []
        for index in range(1, len(self._columns)):
            trial = [0, *current, index]
            if fits(self._whole(trial, None), console, options):
                current.append(index)
                continue
            if not current:
                return None
            groups.append(current)
            current = [index]
            if not fits(self._whole([0, index], None), console, options):
                return None
        groups.append(current)
        total = len(groups)
        return [
            self._whole([0, *group], f"{self.title} ({number}/{total})" if self.title else None)
            for number, group in enumerate(groups, start=1)
        ]

    def _stacked(self) -> Table:
        table = Table(title=self.title, show_header=False)
        table.add_column("column", no_wrap=True, style="bold")
        table.add_column("value", overflow="fold")
        headers = [" ".join(header.split()) for header in self.headers]
        for number, row in enumerate(self.rows):
            if number:
                table.add_section()
            for header, cell in zip(headers, row, strict=True):
                table.add_row(header, cell)
        return table
