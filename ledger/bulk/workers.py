"""Worker processes that draft and seal parts of each import batch beside the
importing process, which keeps the numbering and the one transaction a batch.

Drafting and sealing are most of an import's time and all of it is Python, so
threads would take turns; processes use the other cores. Workers are started
fresh (spawn): they inherit no database connection, lock or thread, only what
they are given through multiprocessing's pipe: the master key and the
ledger's wrapped data key, for sealing. They never touch the database.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from uuid import UUID

from ledger.bulk.drafting import Filing, Prepared, prepare
from ledger.crypto.envelope import EnvelopeMapper, ledger_transcoder
from ledger.crypto.keyring import Keyring
from ledger.crypto.masterkey import MasterKey, StoredKey
from ledger.domain.intake import Intake

MAX_WORKERS = 4
WORKER_NICENESS = 10
Items = Sequence[tuple[UUID, Intake]]
Local = Callable[[Filing, Items, int], Prepared]

# What a worker seals with, set when it starts.
_sealing: tuple[MasterKey, StoredKey] | None = None


def worker_count() -> int:
    """Workers for this machine: one a core, when there are cores to share.
    They run at a lower priority, so the importing process, which reads,
    numbers and saves, keeps a core of its own."""
    cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS) if cores > 1 else 0


class Workers:
    """A pool of drafting processes for one import; close it when done.
    `local` prepares in this process instead when the workers cannot."""

    def __init__(
        self, count: int, master: MasterKey, ledger_key: StoredKey, local: Local
    ) -> None:
        self.count = count
        self._local = local
        self._broken = False
        self._pool = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(master.secret, ledger_key),
        )
        # Started now, so that they start while the caller goes on.
        for _ in range(count):
            self._pool.submit(int)

    def submit(
        self, filing: Filing, items: Items, first: int
    ) -> Callable[[], Prepared]:
        """Start preparing `items` numbered from `first`, in equal parts, one a
        worker; the function returned waits for them. When the workers cannot
        be used (one was killed, or could not start), this process prepares
        everything, then and from then on."""
        size = -(-len(items) // self.count)
        parts = []
        try:
            if not self._broken:
                parts = [
                    self._pool.submit(
                        _prepare,
                        _pickled(filing, items[start : start + size], first + start),
                    )
                    for start in range(0, len(items), size)
                ]
        except BrokenProcessPool:
            self._broken = True

        def prepared() -> Prepared:
            try:
                if parts:
                    # Unpickled here, not by the pool's thread (see _pickled).
                    return Prepared.joined(
                        pickle.loads(part.result())  # noqa: S301 - our workers'
                        for part in parts
                    )
            except BrokenProcessPool:
                self._broken = True
            return self._local(filing, items, first)

        return prepared

    def close(self) -> None:
        """Stop the workers (what they were still given is dropped)."""
        self._pool.shutdown(cancel_futures=True)


def _start(secret: bytes, ledger_key: StoredKey) -> None:
    global _sealing
    # Ctrl-C is for the importer, which stops its workers as it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_importer, daemon=True).start()
    os.nice(WORKER_NICENESS)
    _sealing = (MasterKey(secret, "the importing process"), ledger_key)


def _exit_with_importer() -> None:
    # The pool's own workers wait for work forever when the importing process
    # is killed (they hold their queue's other end); they must end with it.
    importer = multiprocessing.parent_process()
    if importer is not None:
        multiprocessing.connection.wait([importer.sentinel])
        os._exit(1)


def _pickled(*task: object) -> bytes:
    # Tasks and results cross as bytes pickled by the main thread and the
    # workers: the pool's own threads pickle and unpickle what they carry,
    # and in the importing process they would hold the GIL while it saves.
    return pickle.dumps(task, pickle.HIGHEST_PROTOCOL)


def _prepare(task: bytes) -> bytes:
    assert _sealing is not None, "the worker was started with its keys"
    filing, items, first = pickle.loads(task)  # noqa: S301 - from the importer
    keyring = Keyring.detached(*_sealing)
    mapper = EnvelopeMapper(ledger_transcoder(), keyring)
    prepared = prepare(filing, items, first, mapper, keyring)
    return pickle.dumps(prepared, pickle.HIGHEST_PROTOCOL)
