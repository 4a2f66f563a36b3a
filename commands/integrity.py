"""`plaint checkpoint`, `verify` and `proof`: the ledger's tamper evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from commands.base import (
    PlaintCommand,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    progress_bar,
)
from commands.output import output_file, write_output
from ledger.errors import IntegrityFailure, StorageFailure


@click.group(cls=PlaintGroup, invoke_without_command=True)
@json_option
@click.pass_context
def checkpoint(ctx: click.Context, as_json: bool) -> None:
    """Sign a checkpoint: a tree head over the whole event log.

    Write commands sign one by themselves once 1,000 events are unsigned.
    Each witness (`plaint witness add`) that has not cosigned the latest
    checkpoint is sent it, with the proof that it extends the last one the
    witness cosigned; one that is down is asked again next time.

    \b
    Example:
      plaint checkpoint
      plaint checkpoint export -o plaint-head.txt
    """
    if ctx.invoked_subcommand is not None:
        return
    signed = open_ledger(ctx).checkpoint()
    if as_json:
        echo_json(signed)
    else:
        click.echo(f"Checkpoint of {signed['size']} events, root {signed['root']}.")
        for asked in signed["witnesses"]:
            if asked["cosigned"]:
                click.echo(f"Cosigned by {asked['witness']}.")
    for asked in signed["witnesses"]:
        if asked["problem"]:
            click.echo(
                f"Warning: witness {asked['witness']} did not cosign: "
                f"{asked['problem']} (it is asked again with the next checkpoint)",
                err=True,
            )


@checkpoint.command("export")
@output_file("Write the note to this file [default: standard output].")
@click.pass_context
def export(ctx: click.Context, output: Path | None) -> None:
    """Write the latest checkpoint (a C2SP signed note) for safekeeping elsewhere.

    \b
    Example:
      plaint checkpoint export -o /mnt/offsite/plaint-head.txt
    """
    ledger = open_ledger(ctx)
    latest = ledger.latest_checkpoint()
    if latest is None:
        raise click.ClickException(
            "no checkpoint yet: sign one with `plaint checkpoint`"
        )
    if output is None:
        click.echo(latest["note"], nl=False)
    else:
        write_output(ledger, output, latest["note"])
        click.echo(f"Wrote the checkpoint of {latest['size']} events to {output}.")


@click.command(cls=PlaintCommand)
@click.option(
    "--verifier-key",
    envvar="PLAINT_VERIFIER_KEY",
    metavar="VKEY",
    help="The key checkpoints must be signed with, as `plaint info` printed it "
    "[env PLAINT_VERIFIER_KEY; default: the signing key on this machine].",
)
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An exported checkpoint the log must still extend.",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Check only the events after the latest signed checkpoint.",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="VKEY",
    help="A witness's verifier key, or VKEY@URL to ask it there rather than "
    "where the ledger says: it must have cosigned a checkpoint of this log, "
    "and none of more events or another root (repeatable).",
)
@click.option(
    "--min",
    "minimum",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="How many of the --witness keys must have cosigned.",
)
@json_option
@click.pass_context
def verify(
    ctx: click.Context,
    verifier_key: str | None,
    against: Path | None,
    incremental: bool,
    witnesses: tuple[str, ...],
    minimum: int,
    as_json: bool,
) -> None:
    """Check the whole log: every event, checkpoint, signature and data key.

    Exits 1 and names the first bad event when anything was altered. The key
    checkpoints must be signed with comes from outside the ledger: give the
    verifier key `plaint info` printed when the ledger was new, or run it
    where the signing key is; otherwise verify can only trust the copy in the
    ledger, and says so. Events after the last checkpoint that key signed
    are "uncovered": had they been removed together with newer checkpoints,
    no local check could tell; --against a checkpoint exported and kept
    elsewhere protects what it covers. With --incremental, what the latest
    validly signed checkpoint covers is trusted (an earlier full verify
    checked it) and only newer events are checked. With --witness (the keys
    the witnesses' operators gave you), each witness's cosignatures are
    checked and its own latest cosigned checkpoint asked for: one of more
    events than the log holds, or of another root, fails (a rollback or a
    rewrite); events after the largest size --min witnesses cosigned are
    reported as not yet witnessed. Give the witness's address with its key
    (VKEY@URL): the address the ledger keeps is in the database, where an
    intruder could point it elsewhere.

    \b
    Example:
      plaint verify --verifier-key "plaint/5f0c…+8c1a2b3c+AU7…"
      plaint verify --against /mnt/offsite/plaint-head.txt --json
      plaint verify --incremental
      plaint verify --witness "witness.example.org+1f2e3d4c+BOvN…@https://witness.example.org"
    """
    note = None if against is None else against.read_text(encoding="utf-8")
    try:
        ledger = open_ledger(ctx)
        total = 0 if incremental else ledger.events_after(0)
        with progress_bar(total, "Verifying") as progress:
            verdict = ledger.verify(
                note,
                progress=progress,
                incremental=incremental,
                verifier_key=verifier_key,
                witnesses=witnesses,
                minimum=minimum,
            )
    except IntegrityFailure as error:
        verdict = failed_before_checking(str(error))
    for warning in verdict_warnings(verdict):
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        echo_json(verdict)
    elif verdict["ok"]:
        click.echo(
            f"OK: {verdict['events']} events, {verdict['checkpoints']} checkpoints."
        )
        witnessed = verdict["witnessed"]
        if witnessed is not None:
            click.echo(
                f"Witnessed: the first {witnessed['size']} events, by "
                f"{witnessed['cosignatures']} witnesses."
            )
    if not verdict["ok"]:
        bad = verdict["first_bad"]
        where = f"event {bad['seq']}" if bad["seq"] is not None else "the log"
        if bad["ref"]:
            where += f" ({bad['ref']})"
        raise click.ClickException(f"{where} failed verification: {bad['reason']}")


def failed_before_checking(reason: str) -> dict[str, Any]:
    """The verdict on a ledger too damaged to open or to start checking."""
    return {
        "ok": False,
        "events": 0,
        "checkpoints": 0,
        "first_bad": {"seq": None, "ref": None, "reason": reason},
        "trusted_key": None,
        "uncovered": 0,
        "witnessed": None,
    }


def verdict_warnings(verdict: dict[str, Any]) -> list[str]:
    """What a passing (or failing) verdict cannot vouch for, in words."""
    warnings = []
    if verdict["trusted_key"] == "ledger":
        warnings.append(
            "the checkpoints were checked against the verifier key stored in the "
            "ledger, which whoever can write the database can replace; give the "
            "key `plaint info` printed when the ledger was new (--verifier-key or "
            "PLAINT_VERIFIER_KEY)"
        )
    uncovered = verdict["uncovered"]
    if verdict["ok"] and uncovered:
        warnings.append(
            f"the last {uncovered} events are covered by no checkpoint the trusted "
            "key signed: had they been removed together with newer checkpoints, "
            "nothing here could tell; `plaint checkpoint`, export it and keep it "
            "elsewhere, then verify --against it"
        )
    witnessed = verdict["witnessed"]
    if verdict["ok"] and witnessed is not None and witnessed["unwitnessed"]:
        warnings.append(
            f"the last {witnessed['unwitnessed']} events are not yet witnessed: no "
            "witness vouches that they were not removed or rewritten"
        )
    return warnings + (witnessed["warnings"] if witnessed else [])


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option(
    "--tlog-proof",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one C2SP tlog-proof file per event into this directory.",
)
@json_option
@click.pass_context
def proof(ctx: click.Context, ref: str, directory: Path | None, as_json: bool) -> None:
    """Inclusion proofs of a complaint's events in the latest checkpoint.

    With --tlog-proof, each event's proof is also written as a C2SP
    tlog-proof file (`C-7-<seq>.tlog-proof`): the stored event (as `extra`),
    its index, its inclusion proof and the checkpoint with the witnesses'
    cosignatures, which an auditor can keep and check without plaint.

    \b
    Example:
      plaint proof C-7 --json
      plaint proof C-7 --tlog-proof ./proofs
    """
    proved = open_ledger(ctx).proof(ref)
    if directory is not None:
        write_proofs(directory, ref.strip().upper(), proved["events"])
    if as_json:
        echo_json(proved)
        return
    signed = proved["checkpoint"]
    click.echo(f"Checkpoint of {signed['size']} events, root {signed['root']}")
    for event in proved["events"]:
        click.echo(
            f"  event {event['seq']}: leaf {event['index']} {event['leaf_hash']} "
            f"({len(event['proof'])} proof hashes)"
        )
    if directory is not None:
        click.echo(f"Wrote {len(proved['events'])} tlog-proof files to {directory}.")


def write_proofs(directory: Path, ref: str, events: list[dict[str, Any]]) -> None:
    """Write each event's tlog-proof file into `directory`."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for event in events:
            target = directory / f"{ref}-{event['seq']}.tlog-proof"
            target.write_text(event["tlog_proof"], encoding="utf-8")
    except OSError as error:
        raise StorageFailure(f"cannot write {directory}: {error.strerror}") from None
