"""Where views live: tables in the ledger's own database, beside the event log.

The store extends the library's tracking recorder, so each view's position is
a `Tracking` record, written in the same transaction as the view's rows: a
crash can never apply an event twice or skip one, and a second process
catching up at the same moment fails to advance the same position and
retries instead of applying the events again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from projections.changes import Change, Delete, Table, Update, Upsert
from projections.views import VIEWS, View

TRACKING_PREFIX = "plaint.view."
# SQLite's page cache while writing views, in KiB: room for the index pages a
# batch of a large rebuild touches (the default, 2 MB, makes it reread them).
CACHE_KIB = 64 * 1024


# A change as SQL: the statement, the row's key and the parameters.
Statement = tuple[str, tuple[Any, ...], tuple[Any, ...]]


class Statements(dict[str, list[Statement]]):
    """Changes gathered as statements, by table; and, by table and key, where
    the last upsert of each row stands among them, so that later changes to
    that row are made to it in memory rather than written after it."""

    def __init__(self) -> None:
        super().__init__()
        self.upserted: dict[str, dict[tuple[Any, ...], int]] = {}


def tracking_name(view: View) -> str:
    """The name a view's position is tracked under."""
    return TRACKING_PREFIX + view.name


class ViewSQL:
    """The SQL of view changes and queries; backends differ only in the
    placeholder, the table names and the tracking table."""

    param = "?"
    tracking_table = "tracking"
    datastore: Any
    # Given by the library's tracking recorder that each backend's store extends.
    _insert_tracking: Callable[[Any, Tracking], None]
    create_table: Callable[[], None]

    def table_name(self, table: Table) -> str:
        """The table's name as SQL refers to it."""
        return table.name

    def table_name_of(self, view_name: str) -> str:
        """The SQL name of a view's (first) table, by the view's name."""
        [view] = [v for v in VIEWS if v.name == view_name]
        return self.table_name(view.tables[0])

    def create_statements(self, views: Iterable[View] = VIEWS) -> list[str]:
        """CREATE statements for the views' tables and indexes."""
        statements = []
        for table in (t for v in views for t in v.tables):
            name = self.table_name(table)
            columns = ", ".join(f"{c} {kind}" for c, kind in table.columns)
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {name} ({columns}, "
                f"PRIMARY KEY ({', '.join(table.key)}))"
            )
            statements += [
                f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(cols)} "
                f"ON {name} ({', '.join(cols)})"
                for cols in table.indexes
            ]
        return statements

    def change_sql(self, change: Change) -> tuple[str, tuple[Any, ...]]:
        """One change as a statement and its parameters."""
        if isinstance(change, Upsert):
            sql = self._sql(change.table, "upsert", (), ())
            return sql, change.table.values_of(change.row)
        if isinstance(change, Delete):
            sql = self._sql(change.table, "delete", tuple(change.key), ())
            return sql, tuple(change.key.values())
        nulls = tuple(c for c, v in change.when.items() if v is None)
        equal = tuple(c for c, v in change.when.items() if v is not None)
        sql = self._sql(change.table, "update", tuple(change.key), tuple(change.values),
                        equal, nulls)  # fmt: skip
        params = (*change.values.values(), *change.key.values(),
                  *(change.when[c] for c in equal))  # fmt: skip
        return sql, params

    @cache  # noqa: B019 - a store lives as long as its process; its SQL is few strings
    def _sql(
        self,
        table: Table,
        kind: str,
        key: tuple[str, ...],
        values: tuple[str, ...],
        equal: tuple[str, ...] = (),
        nulls: tuple[str, ...] = (),
    ) -> str:
        p, name = self.param, self.table_name(table)
        if kind == "upsert":
            columns = table.column_names
            updates = [c for c in columns if c not in table.key]
            return (
                f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 - names are constants
                f"VALUES ({', '.join(p for _ in columns)}) "
                f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in updates)
            )
        where = " AND ".join(
            [f"{k} = {p}" for k in (*key, *equal)] + [f"{c} IS NULL" for c in nulls]
        )
        if kind == "delete":
            return f"DELETE FROM {name} WHERE {where}"  # noqa: S608
        sets = ", ".join(f"{c} = {p}" for c in values)
        return f"UPDATE {name} SET {sets} WHERE {where}"  # noqa: S608

    def gather(self, changes: Iterable[Change], into: Statements) -> None:
        """Add `changes` to `into` as statements, each table's in order (a
        statement is lighter to hold than its change). A row upserted in
        `into` takes later changes in memory (coalesced): an update is made
        to the upsert's values when its conditions hold of them, as the
        database would make it after the upsert, and is not written itself;
        a delete ends that. Each complaint's rows are so written once a
        batch, however many events changed them."""
        for change in changes:
            table = change.table
            statements = into.setdefault(table.name, [])
            upserted = into.upserted.setdefault(table.name, {})
            key = change.key_values()
            if isinstance(change, Update) and key in upserted:
                _update_in_memory(statements, upserted[key], table, change)
                continue
            sql, params = self.change_sql(change)
            if isinstance(change, Upsert):
                upserted[key] = len(statements)
            elif isinstance(change, Delete):
                upserted.pop(key, None)
            statements.append((sql, key, params))

    def apply(self, statements: Statements, positions: dict[str, int]) -> None:
        """Write gathered statements and advance the views' positions, in one
        transaction. Tables are independent, so each table's statements are
        written together (in their own order), which lets runs of one
        statement go as one `executemany`."""
        with self.writing() as cursor:
            for table_statements in statements.values():
                for sql, group in groupby(table_statements, key=itemgetter(0)):
                    # Within a run, changes to different rows are independent,
                    # and a stable sort keeps each row's own in order: in key
                    # order the primary-key index is written page after page
                    # rather than at random.
                    run = sorted(group, key=itemgetter(1))
                    cursor.executemany(sql, [params for _, _, params in run])
            for name, position in positions.items():
                self._insert_tracking(cursor, Tracking(name, position))

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A transaction for view changes (a cursor, committed at the end)."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    def tracking_exists(self) -> bool:
        """Whether the views' tracking table exists yet (asked, rather than
        found out by a failing query, which a database server would log)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(*self.table_probe())
            return bool(cursor.fetchone())

    def analyze(self, views: Iterable[View] = VIEWS) -> None:
        """Have the database gather the statistics of the views' tables."""
        with self.datastore.transaction(commit=True) as cursor:
            for table in (t for v in views for t in v.tables):
                cursor.execute(f"ANALYZE {self.table_name(table)}")

    def indexes_missing(self) -> bool:
        """Whether an index the views declare is not in the database yet (a
        ledger whose views a plaint without that index built)."""
        wanted = {
            f"{table.name}_{'_'.join(cols)}"
            for view in VIEWS for table in view.tables for cols in table.indexes
        }  # fmt: skip
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(*self.index_probe())
            found = {row["name"] if isinstance(row, dict) else row[0]
                     for row in cursor.fetchall()}  # fmt: skip
        return bool(wanted - found)

    def index_probe(self) -> tuple[str, tuple[str, ...]]:
        """A query of the names of the indexes in the views' database."""
        return ("SELECT name FROM sqlite_master WHERE type = 'index'", ())

    def table_probe(self) -> tuple[str, tuple[str, ...]]:
        """A query that returns a row when the tracking table exists."""
        return (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            (self.tracking_table,),
        )

    def positions(self, views: Iterable[View] = VIEWS) -> dict[str, int]:
        """Each view's position: the last notification id it has processed."""
        names = [tracking_name(v) for v in views]
        marks = ", ".join(self.param for _ in names)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT application_name, notification_id "  # noqa: S608
                f"FROM {self.tracking_table} WHERE application_name IN ({marks})",
                names,
            )
            found = {
                r["application_name"]: r["notification_id"] for r in cursor.fetchall()
            }
        return {name: int(found.get(name) or 0) for name in names}

    def reset(self, views: Sequence[View]) -> None:
        """Drop the views' tables and positions, and create the tables anew."""
        names = [tracking_name(v) for v in views]
        with self.datastore.transaction(commit=True) as cursor:
            for table in (t for v in views for t in v.tables):
                cursor.execute(f"DROP TABLE IF EXISTS {self.table_name(table)}")
            cursor.execute(
                f"DELETE FROM {self.tracking_table} "  # noqa: S608
                f"WHERE application_name IN ({', '.join(self.param for _ in names)})",
                names,
            )
            for statement in self.create_statements(views):
                cursor.execute(statement)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of a read-only query, as dicts."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, tuple(params))
            return [dict(row) for row in cursor.fetchall()]


def _update_in_memory(
    statements: list[Statement], index: int, table: Table, update: Update
) -> None:
    """Make `update` to the upsert at `index`: its values, where its
    conditions hold of the row (None meaning NULL, as SQL's IS NULL)."""
    sql, key, params = statements[index]
    row = dict(zip(table.column_names, params, strict=True))
    if all(
        row[column] is None if wanted is None else row[column] == wanted
        for column, wanted in update.when.items()
    ):
        row.update(update.values)
        statements[index] = (sql, key, table.values_of(row))


class SQLiteViewStore(ViewSQL, SQLiteTrackingRecorder):
    """Views in the ledger's SQLite file."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        super().__init__(datastore)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A transaction for view changes, on a connection set up for writing
        many rows: a page cache that holds a big batch's index pages, and no
        sync at commit. In WAL mode a commit stays atomic without the sync, so
        a crash leaves the rows and their tracking record together; a power
        cut may only take back the last few, which are read again."""
        with self.datastore.get_connection(commit=True) as connection:
            settings = connection.cursor()
            settings.execute("PRAGMA synchronous")
            synchronous = settings.fetchone()[0]
            settings.execute("PRAGMA synchronous = NORMAL")
            settings.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            try:
                with connection.transaction(commit=True) as cursor:
                    yield cursor
            finally:
                # The connection also writes events, which keep their sync.
                settings.execute(f"PRAGMA synchronous = {int(synchronous)}")

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.create_statements()]
