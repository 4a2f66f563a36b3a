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

import importlib
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import TopicError, get_topic, resolve_topic

# Where the classes of each kept module live now. They are imported when a
# stored topic first needs them, not before: defining aggregates' event
# classes is much of a command's start-up time.
MOVED = {
    "ledger.complaint": ("ledger.domain.complaint",),
    "ledger.team": ("ledger.domain.team", "ledger.domain.policy"),
    "ledger.claims": ("ledger.domain.claims",),
    "ledger.audit": ("ledger.domain.audit",),
}


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


def resolve(topic: str) -> Any:
    """The class a stored topic names, its module imported if it moved."""
    try:
        return resolve_topic(topic)
    except TopicError:
        modules = MOVED.get(topic.partition(":")[0])
        if modules is None:
            raise
        for module in modules:
            importlib.import_module(module)
        return resolve_topic(topic)
