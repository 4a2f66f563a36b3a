"""The witnesses a ledger sends its checkpoints to, and the cosignatures
they returned, in tables of the ledger's database made on first use.

Neither is trusted: whoever can write the database can change them, which
is why `verify --witness` takes each witness's key from the caller and
checks every cosignature against it. A witness row keeps the tree size the
witness last cosigned for this ledger, where the next request starts from.
"""

# ruff: noqa: S608 - the SQL names constant tables; every value is a parameter

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.errors import StorageFailure
from ledger.storage.tables import LedgerTables

WITNESSES = "plaint_witnesses"
COSIGNATURES = "plaint_cosignatures"
_TABLES = {
    WITNESSES: "vkey TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, "
    "seen BIGINT NOT NULL, added TEXT NOT NULL, tried REAL NOT NULL, "
    "problem TEXT",
    COSIGNATURES: "size BIGINT NOT NULL, vkey TEXT NOT NULL, line TEXT NOT NULL, "
    "at REAL NOT NULL, PRIMARY KEY (size, vkey)",
}


@dataclass(frozen=True)
class StoredWitness:
    """A witness as the table holds it: its key, name, where it answers, the
    size it last cosigned, when it was last asked and what went wrong then."""

    vkey: str
    name: str
    url: str
    seen: int
    added: str
    tried: float
    problem: str | None


class WitnessTables:
    """The witness and cosignature tables of one ledger's database."""

    def __init__(self, tables: LedgerTables) -> None:
        self.datastore = tables.datastore
        self.p = tables.param
        self.schema: str | None = getattr(self.datastore, "schema", None)
        self._made = False

    def _name(self, table: str) -> str:
        return table if self.schema is None else f'"{self.schema}".{table}'

    def _run(
        self,
        sql: str,
        params: tuple[Any, ...] = (),
        *,
        rows: bool = False,
        reads: bool = False,
    ) -> list[Any]:
        """Run one statement in a transaction of its own; a read of tables
        not made yet (no witness was ever named) finds nothing."""
        try:
            if not self._made:
                if reads and not self._exist():
                    return []
                self._make_tables()
            names = {"witnesses": self._name(WITNESSES),
                     "cosignatures": self._name(COSIGNATURES)}  # fmt: skip
            with self.datastore.transaction(commit=True) as cursor:
                cursor.execute(sql.format(**names), params)
                return list(cursor.fetchall()) if rows else []
        except PersistenceError as error:
            raise StorageFailure(f"the ledger's database failed: {error}") from None

    def _exist(self) -> bool:
        with self.datastore.transaction(commit=False) as cursor:
            if self.schema is None:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (WITNESSES,),
                )
                self._made = cursor.fetchone() is not None
            else:
                cursor.execute("SELECT to_regclass(%s) AS t", (self._name(WITNESSES),))
                self._made = cursor.fetchone()["t"] is not None
        return self._made

    def _make_tables(self) -> None:
        for table, columns in _TABLES.items():
            if self.schema is not None:
                columns = columns.replace(" REAL", " double precision")
            statement = f"CREATE TABLE IF NOT EXISTS {self._name(table)} ({columns})"
            try:
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(statement)
            except PersistenceError:
                # Two processes creating it at once: one may fail; it is there.
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(statement)
        self._made = True

    def add(self, witness: StoredWitness) -> bool:
        """Keep a new witness; False when one with its key is kept already."""
        p = self.p
        found = self._run(
            "INSERT INTO {witnesses} (vkey, name, url, seen, added, tried, problem) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) "
            "ON CONFLICT (vkey) DO NOTHING RETURNING vkey",
            (witness.vkey, witness.name, witness.url, witness.seen, witness.added,
             witness.tried, witness.problem),
            rows=True,
        )  # fmt: skip
        return bool(found)

    def remove(self, name_or_url: str) -> int:
        """Forget the witnesses of that name or URL; how many."""
        p = self.p
        found = self._run(
            f"DELETE FROM {{witnesses}} WHERE name = {p} OR url = {p} RETURNING vkey",
            (name_or_url, name_or_url),
            rows=True,
        )
        return len(found)

    def all(self) -> list[StoredWitness]:
        """Every witness, by name."""
        rows = self._run(
            "SELECT vkey, name, url, seen, added, tried, problem FROM {witnesses} "
            "ORDER BY name, url",
            rows=True,
            reads=True,
        )
        return [
            StoredWitness(r["vkey"], r["name"], r["url"], int(r["seen"]), r["added"],
                          float(r["tried"]), r["problem"])
            for r in rows
        ]  # fmt: skip

    def asked(self, vkey: str, seen: int, tried: float, problem: str | None) -> None:
        """Note how asking the witness went: the size it now holds for this
        ledger, when, and what went wrong (None: it cosigned)."""
        p = self.p
        self._run(
            f"UPDATE {{witnesses}} SET seen = {p}, tried = {p}, problem = {p} "
            f"WHERE vkey = {p}",
            (seen, tried, problem, vkey),
        )

    def keep_cosignature(self, size: int, vkey: str, line: str, at: float) -> None:
        """Keep a witness's cosignature of the checkpoint of `size` events
        (the first kept for a witness and size stands)."""
        p = self.p
        self._run(
            "INSERT INTO {cosignatures} (size, vkey, line, at) "
            f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (size, vkey) DO NOTHING",
            (size, vkey, line, at),
        )

    def cosignatures(self, size: int | None = None) -> dict[int, dict[str, str]]:
        """The kept cosignature lines by checkpoint size, then by witness key
        (of one size only, when given)."""
        where = "" if size is None else f"WHERE size = {self.p}"
        rows = self._run(
            f"SELECT size, vkey, line FROM {{cosignatures}} {where} "
            "ORDER BY size, vkey",
            () if size is None else (size,),
            rows=True,
            reads=True,
        )
        found: dict[int, dict[str, str]] = {}
        for row in rows:
            found.setdefault(int(row["size"]), {})[row["vkey"]] = row["line"]
        return found

    def copy_from(self, other: WitnessTables) -> None:
        """Keep another ledger's witnesses and cosignatures as they are (for
        copying a ledger between databases)."""
        for witness in other.all():
            self.add(witness)
        rows = other._run(
            "SELECT size, vkey, line, at FROM {cosignatures}", rows=True, reads=True
        )
        for row in rows:
            self.keep_cosignature(
                int(row["size"]), row["vkey"], row["line"], float(row["at"])
            )
