"""Views in the ledger's PostgreSQL schema; imported only for PostgreSQL ledgers."""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.changes import Table
from projections.store import ViewSQL

TRACKING_TABLE = "plaint_view_tracking"


class PostgresViewStore(ViewSQL, PostgresTrackingRecorder):
    """Views in the ledger's PostgreSQL schema."""

    param = "%s"

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        self.tracking_table = f'"{datastore.schema}".{TRACKING_TABLE}'
        self.sql_create_statements += [
            SQL(s).format() for s in self.create_statements()
        ]

    def table_name(self, table: Table) -> str:
        return f'"{self.datastore.schema}".{table.name}'

    def index_probe(self) -> tuple[str, tuple[str, ...]]:
        return (
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = %s",
            (self.datastore.schema,),
        )

    def table_probe(self) -> tuple[str, tuple[str, ...]]:
        return (
            "SELECT 1 AS found WHERE to_regclass(%s) IS NOT NULL",
            (self.tracking_table,),
        )
