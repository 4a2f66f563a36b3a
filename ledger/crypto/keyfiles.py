"""Where keys live: the master key and signing key files, outside the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.crypto.masterkey import MasterKey, read_master_key
from ledger.crypto.privatefile import write_secret_file
from ledger.crypto.signing import create_signing_key
from ledger.errors import KeyProblem

MASTER_KEY_VARIABLE = "PLAINT_MASTER_KEY"
KEY_FILE_VARIABLE = "PLAINT_KEY_FILE"


def config_dir(environ: Mapping[str, str]) -> Path:
    """plaint's directory in the user's configuration directory (XDG)."""
    home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "plaint"


def master_key_file(ledger_id: UUID, environ: Mapping[str, str]) -> Path:
    """The master key file: `PLAINT_KEY_FILE`, or one per ledger id by default."""
    named = environ.get(KEY_FILE_VARIABLE)
    if named:
        return Path(named).expanduser().absolute()
    return config_dir(environ) / "keys" / f"{ledger_id}.key"


def signing_key_file(ledger_id: UUID, environ: Mapping[str, str]) -> Path:
    """The checkpoint signing key, beside the master key file."""
    master = master_key_file(ledger_id, environ)
    return master.with_name(master.stem + ".signing.key")


def key_source(ledger_id: UUID, environ: Mapping[str, str]) -> str:
    """Where the master key is taken from, for messages and `plaint info`."""
    if environ.get(MASTER_KEY_VARIABLE):
        return MASTER_KEY_VARIABLE
    return str(master_key_file(ledger_id, environ))


def load_master_key(ledger_id: UUID, environ: Mapping[str, str]) -> MasterKey:
    """The master key from `PLAINT_MASTER_KEY` or the key file."""
    text = environ.get(MASTER_KEY_VARIABLE)
    if text:
        return MasterKey.from_text(text, MASTER_KEY_VARIABLE)
    return read_master_key(master_key_file(ledger_id, environ))


def pending_key_file(ledger_id: UUID, environ: Mapping[str, str]) -> Path:
    """Where a rotation writes the new master key until it has committed."""
    path = master_key_file(ledger_id, environ)
    return path.with_name(path.name + ".new")


def load_pending_master_key(
    ledger_id: UUID, environ: Mapping[str, str]
) -> MasterKey | None:
    """The new master key of a rotation that was cut short, if there is one."""
    if environ.get(MASTER_KEY_VARIABLE):
        return None
    path = pending_key_file(ledger_id, environ)
    return read_master_key(path) if path.exists() else None


def choose_master_key(
    ledger_id: UUID, environ: Mapping[str, str], known: Mapping[str, int]
) -> MasterKey:
    """The master key that wraps the ledger's data keys (`known`, by master
    key id): the configured one, or a rotation's pending one."""
    master: MasterKey | None = None
    try:
        master = load_master_key(ledger_id, environ)
    except KeyProblem as error:
        missing = error
    if master is None or master.key_id not in known:
        # A rotation cut short after it committed leaves its new key pending.
        pending = load_pending_master_key(ledger_id, environ)
        if pending is not None and pending.key_id in known:
            master = pending
    if master is None:
        raise missing
    if master.key_id not in known:
        raise KeyProblem(
            f"the master key from {master.source} does not fit this ledger "
            f"(it is key {master.key_id}; the ledger's data keys are wrapped "
            f"by {', '.join(sorted(known)) or 'no key'})"
        )
    return master


def create_keys(
    ledger_id: UUID, environ: Mapping[str, str]
) -> tuple[MasterKey, Ed25519PublicKey, list[Path]]:
    """A new ledger's keys: its master key (written to its file, 0600, unless
    `PLAINT_MASTER_KEY` gives it) and its checkpoint signing key; with the
    files written, for a failed creation to remove."""
    written: list[Path] = []
    try:
        if environ.get(MASTER_KEY_VARIABLE):
            master = load_master_key(ledger_id, environ)
        else:
            path = master_key_file(ledger_id, environ)
            master = MasterKey.generate(str(path))
            write_secret_file(path, master.as_text())
            written.append(path)
        signing = signing_key_file(ledger_id, environ)
        public_key = create_signing_key(signing).public_key()
        written.append(signing)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return master, public_key, written
