"""Where a ledger lives: the location a user names, and the settings that open it.

A location is a SQLite file path (the default) or a `postgresql://` URL; both
become the `eventsourcing` library's own settings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ledger.errors import InvalidInput


@dataclass(frozen=True)
class Location:
    """A ledger's place, and the library settings that open it."""

    backend: str
    display: str
    settings: dict[str, str]
    path: Path | None = None
    libpq: dict[str, str] = field(default_factory=dict)


def default_ledger_path(environ: Mapping[str, str]) -> Path:
    """The SQLite file used when no location is given (XDG data directory)."""
    data_home = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "plaint" / "ledger.sqlite"


def parse_location(text: str | None, environ: Mapping[str, str]) -> Location:
    """Read a `--ledger` value: a SQLite path or a `postgresql://` URL."""
    if not text:
        return _sqlite_location(default_ledger_path(environ))
    if text.startswith(("postgresql://", "postgres://")):
        return _postgres_location(text, environ)
    if "://" in text:
        raise InvalidInput(
            f"'{text}' is not a ledger location: give a SQLite file path or a "
            "postgresql://user@host:port/dbname URL"
        )
    return _sqlite_location(Path(text).expanduser())


def _sqlite_location(path: Path) -> Location:
    path = path.absolute()
    return Location(
        backend="sqlite",
        display=str(path),
        path=path,
        settings={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": "file:" + quote(str(path)),
            "APPLICATION_RECORDER_TOPIC": "ledger.storage.sqlite:SQLiteLedgerRecorder",
        },
    )


# URL query settings and the library settings they become.
URL_SETTINGS = {
    "schema": "POSTGRES_SCHEMA",
    "pool_size": "POSTGRES_POOL_SIZE",
    "max_overflow": "POSTGRES_MAX_OVERFLOW",
    "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
    "lock_timeout": "POSTGRES_LOCK_TIMEOUT",
}
# TLS settings, passed to libpq through its environment variables, since the
# library's settings have none.
URL_TLS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# The smallest value of each numeric setting.
URL_NUMBERS = {
    "pool_size": 1,
    "max_overflow": 0,
    "connect_timeout": 1,
    "lock_timeout": 0,
}
# A schema is named in SQL, so its name must be a plain lower-case identifier
# (what PostgreSQL folds unquoted names to), checked before any SQL is sent.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _checked(name: str, value: str) -> str:
    """A URL setting's value, refused (naming the setting) when it is not one."""
    if name == "schema":
        if not SCHEMA_NAME.fullmatch(value):
            raise InvalidInput(
                f"the URL setting schema={value} is not a schema name: use lower-case "
                "letters, digits and _, starting with a letter or _ (at most 63)"
            )
        return value
    least = URL_NUMBERS[name]
    if not (value.isascii() and value.isdigit()) or int(value) < least:
        raise InvalidInput(
            f"the URL setting {name}={value} is not a whole number of "
            f"{'seconds' if name.endswith('timeout') else 'connections'}"
            f"{' from 1' if least else ''}"
        )
    return str(int(value))


def _postgres_location(url: str, environ: Mapping[str, str]) -> Location:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or not parts.hostname:
        raise InvalidInput(
            f"'{_without_password(url)}' names no database: use "
            "postgresql://user@host:port/dbname"
        )
    try:
        port = parts.port or 5432
    except ValueError:
        raise InvalidInput(f"'{_without_password(url)}' has a bad port") from None
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - set(URL_SETTINGS) - set(URL_TLS)
    if unknown:
        raise InvalidInput(
            f"'{_without_password(url)}' has unknown settings "
            f"({', '.join(sorted(unknown))}); use "
            f"{', '.join([*URL_SETTINGS, *URL_TLS])}"
        )
    password = unquote(parts.password or "") or environ.get("PGPASSWORD", "")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or environ.get("PGUSER", "postgres")),
        "POSTGRES_PASSWORD": password,
        "POSTGRES_SCHEMA": "public",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "APPLICATION_RECORDER_TOPIC": "ledger.storage.postgres:PostgresLedgerRecorder",
    }
    for name, setting in URL_SETTINGS.items():
        if name in query:
            settings[setting] = _checked(name, query[name])
    if "sslmode" in query and query["sslmode"] not in SSL_MODES:
        raise InvalidInput(
            f"the URL setting sslmode={query['sslmode']} is not a TLS mode: use "
            f"{', '.join(SSL_MODES)}"
        )
    tls = {URL_TLS[name]: query[name] for name in URL_TLS if name in query}
    return Location(
        backend="postgresql",
        display=_without_password(url),
        settings=settings,
        libpq=tls,
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def file_exists(location: Location) -> bool:
    """Whether a SQLite ledger file is there (PostgreSQL is asked instead)."""
    return location.path is None or os.path.exists(location.path)
