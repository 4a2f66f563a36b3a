"""The topics stored events name their classes by, kept where classes moved.

An event is stored with the topic of its class, `module:qualname`, which
also enters its Merkle leaf and its ciphertexts' associated data. The first
ledgers were written while the aggregates lived in `ledger/complaint.py`,
`ledger/team.py`, `ledger/claims.py` and `ledger/audit.py`, so those topics
are part of the stored format: the classes keep them (the library reads a
class's `TOPIC` before its module), and every ledger, old or new, holds one
topic per kind of event.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic


def keep_topics(module: str, *aggregates: type[Aggregate]) -> None:
    """Name each aggregate and its event classes as if defined in `module`."""
    for aggregate in aggregates:
        events = [
            cls
            for cls in vars(aggregate).values()
            if isinstance(cls, type) and issubclass(cls, Aggregate.Event)
        ]
        for cls in (aggregate, *events):
            topic = f"{module}:{cls.__qualname__}"
            cls.TOPIC = topic  # type: ignore[attr-defined]
            if get_topic(cls) != topic:
                raise RuntimeError(f"{cls} was named by its topic before it was kept")
