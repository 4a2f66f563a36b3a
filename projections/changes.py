"""What a view's fold returns and a store applies: row changes (upsert,
conditional update, delete) to tables described by their columns and key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any

Row = dict[str, Any]


# Tables are module constants, so identity is equality; that keeps them cheap
# to hash where each change looks up its table's SQL.
@dataclass(frozen=True, eq=False)
class Table:
    """A view table: its columns (name and SQL type) and primary key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)

    @cached_property
    def values_of(self) -> Callable[[Row], tuple[Any, ...]]:
        """A row's values in column order (an Upsert's row names every column)."""
        pick = itemgetter(*self.column_names)
        return lambda row: tuple(pick(row))

    @cached_property
    def key_of(self) -> Callable[[Row], tuple[Any, ...]]:
        """A row's primary key values, in key order."""
        pick = itemgetter(*self.key)
        return lambda row: (pick(row),) if len(self.key) == 1 else tuple(pick(row))


@dataclass(frozen=True)
class Upsert:
    """Insert a row, or replace the row with the same key."""

    table: Table
    row: Row

    def key_values(self) -> tuple[Any, ...]:
        """The values of the row's primary key."""
        return self.table.key_of(self.row)


@dataclass(frozen=True)
class Update:
    """Set `values` on the row with `key`, only where the `when` columns hold
    the given values (None meaning SQL NULL)."""

    table: Table
    key: Row
    values: Row
    when: Row = field(default_factory=dict)

    def key_values(self) -> tuple[Any, ...]:
        """The values of the row's primary key."""
        return tuple(self.key.values())


@dataclass(frozen=True)
class Delete:
    """Delete the row with `key`."""

    table: Table
    key: Row

    def key_values(self) -> tuple[Any, ...]:
        """The values of the row's primary key."""
        return tuple(self.key.values())


Change = Upsert | Update | Delete
