"""`verify --witness`: what witnesses, known by keys the caller gives,
vouch for. Each witness's word is its valid cosignatures, those the ledger
kept and the latest it serves itself (its monitoring API), which the
database cannot hold back: a witness that cosigned more events than the log
holds, or another root for its first events, shows a rollback or a rewrite
no local check could see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ledger.cases.heads import signature_problem
from ledger.cases.witnesses import WitnessCases
from ledger.errors import InvalidInput
from ledger.evidence.cosignature import Cosigner, cosigned_at, cosigner
from ledger.evidence.note import NoteError, open_note, parse_checkpoint
from ledger.storage.checkpoints import StoredCheckpoint


class WitnessWord(NamedTuple):
    """The largest size a witness validly cosigned for this log (0: none),
    and what could not be checked finding out."""

    name: str
    size: int
    warning: str | None


class Vouching(NamedTuple):
    """A witness `--witness` names, and where to ask it (None: where the
    ledger says, which whoever can write the database can change)."""

    witness: Cosigner
    url: str | None


def parse_witnesses(given: Sequence[str]) -> list[Vouching]:
    """The witnesses `--witness` names, each `VKEY` or `VKEY@URL`;
    InvalidInput for a bad key or URL."""
    found = []
    for text in given:
        at = min((i for i in (text.find("@http://"), text.find("@https://"))
                  if i >= 0), default=len(text))  # fmt: skip
        vkey, url = text[:at], text[at + 1 :] or None
        try:
            found.append(Vouching(cosigner(vkey), url))
        except NoteError as error:
            raise InvalidInput(f"--witness: {error}") from None
    return found


class WitnessedCases(WitnessCases):
    """What witnesses vouch for, in `verify`."""

    def _witness_verdict(
        self,
        witnesses: Sequence[Vouching],
        minimum: int,
        checkpoints: list[StoredCheckpoint],
        key: str,
        events: int,
    ) -> tuple[dict[str, Any], str | None]:
        """The `witnessed` part of the verdict (with what it cannot vouch
        for, as `warnings`), and why the log fails: too few witnesses, or
        one that cosigned more events than it holds, or others."""
        signed = [c for c in checkpoints if not signature_problem(c, key, self.origin)]
        kept = self.witness_tables.cosignatures()
        urls = {w.vkey: w.url for w in self.witness_tables.all()}
        words: list[WitnessWord] = []
        for witness, given in witnesses:
            url = given or urls.get(witness.vkey)
            word, problem = self._word(witness, signed, kept, url, key, events)
            if problem:
                failed = {"size": 0, "cosignatures": 0, "unwitnessed": events}
                return {**failed, "warnings": []}, problem
            words.append(word)
        sizes = sorted((w.size for w in words if w.size), reverse=True)
        size = sizes[minimum - 1] if len(sizes) >= minimum else 0
        witnessed = {
            "size": size,
            "cosignatures": sum(1 for s in sizes if s >= size) if size else 0,
            "unwitnessed": events - size,
            "warnings": [w.warning for w in words if w.warning],
        }
        if len(sizes) < minimum:
            required = f"only {len(sizes)} of the {minimum} witnesses required"
            return witnessed, f"{required} cosigned a checkpoint of this log"
        return witnessed, None

    def _word(
        self,
        witness: Cosigner,
        signed: list[StoredCheckpoint],
        kept: dict[int, dict[str, str]],
        url: str | None,
        key: str,
        events: int,
    ) -> tuple[WitnessWord, str | None]:
        size = 0
        for checkpoint in signed:
            line = kept.get(checkpoint.size, {}).get(witness.vkey)
            if line is None or checkpoint.size > events:
                continue
            body = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
            try:
                if cosigned_at(body, line, witness) is not None:
                    size = max(size, checkpoint.size)
            except NoteError as error:
                return WitnessWord(witness.name, 0, None), (
                    f"the kept cosignature of the checkpoint of {checkpoint.size} "
                    f"events: {error}"
                )
        if url is None:
            warning = (
                f"witness {witness.name} is not one this ledger names, so its latest "
                "checkpoint could not be asked for: only the kept cosignatures count"
            )
            return WitnessWord(witness.name, size, warning), None
        # Only the ledger's record can name another scheme (parse_witnesses
        # takes http and https): whoever wrote it there is not to be followed.
        if urlsplit(url).scheme not in ("http", "https"):
            warning = (
                f"witness {witness.name}'s address in the ledger, {url!r}, is not an "
                "http or https URL, so it was not asked: only the kept cosignatures "
                "count"
            )
            return WitnessWord(witness.name, size, warning), None
        # Imported here: the HTTP client is start-up time every command
        # would pay, and only `verify --witness` asks.
        from ledger.witnessing.client import latest_cosigned
        from ledger.witnessing.exchange import BadAnswer, WitnessError

        try:
            note = latest_cosigned(url, self.origin)
        except BadAnswer as error:
            warning = f"witness {witness.name} served a checkpoint that fails: {error}"
            return WitnessWord(witness.name, size, warning), None
        except WitnessError as error:
            warning = (
                f"witness {witness.name} at {url} could not be reached ({error}): "
                "only the kept cosignatures count"
            )
            return WitnessWord(witness.name, size, warning), None
        if note is None:
            return WitnessWord(witness.name, size, None), None
        return self._live(witness, note, key, events, size)

    def _live(
        self, witness: Cosigner, note: str, key: str, events: int, size: int
    ) -> tuple[WitnessWord, str | None]:
        """What the witness's own latest cosigned checkpoint says."""
        try:
            body = open_note(note, key)
            _, held, root = parse_checkpoint(body)
            lines = note[len(body) + 1 :].splitlines(keepends=True)
            times = [t for t in (cosigned_at(body, x, witness) for x in lines) if t]
        except NoteError as error:
            warning = f"witness {witness.name} served a checkpoint that fails: {error}"
            return WitnessWord(witness.name, size, warning), None
        if not times:
            return WitnessWord(witness.name, size, None), None
        when = datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds")
        if held > events:
            return WitnessWord(witness.name, size, None), (
                f"witness {witness.name} cosigned a checkpoint of {held} events at "
                f"{when}, but the log holds {events}: events were removed from its "
                "end (a rollback)"
            )
        if self.log_tree.root(held) != root:
            return WitnessWord(witness.name, size, None), (
                f"witness {witness.name} cosigned another root for the first {held} "
                f"events at {when}: the log was rewritten"
            )
        return WitnessWord(witness.name, max(size, held), None), None
