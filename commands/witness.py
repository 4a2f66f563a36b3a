"""`plaint witness …`: run a C2SP tlog-witness, and name the witnesses this
ledger sends its checkpoints to."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from commands.base import PlaintGroup, echo_json, json_option, open_ledger


@click.group(cls=PlaintGroup)
def witness() -> None:
    """Witnesses: independent processes that cosign each checkpoint only if
    it extends the one they cosigned before (C2SP tlog-witness).

    \b
    Example:
      plaint witness keygen witness.key --name witness.example.org
      plaint witness serve --key witness.key --log "plaint/5f0c…+8c1a2b3c+AU7…"
      plaint witness add https://witness.example.org "witness.example.org+…"
    """


@witness.command("keygen")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--name",
    help="The witness's name, a schema-less URL [default: witness.<host name>].",
)
def keygen(file: Path, name: str | None) -> None:
    """Write a new witness key to FILE (mode 0600) and print its verifier key.

    Give the verifier key to the ledger's admin (`plaint witness add`) and
    keep it for `plaint verify --witness`.

    \b
    Example:
      plaint witness keygen ~/.config/plaint/witness.key --name witness.example.org
    """
    from ledger.witnessing.keyfile import create_witness_key

    vkey = create_witness_key(file, name or f"witness.{socket.gethostname()}")
    click.echo(vkey)


@witness.command("serve")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The witness key file (`plaint witness keygen`).",
)
@click.option(
    "--log",
    "logs",
    multiple=True,
    required=True,
    metavar="VKEY",
    help="A log to witness: its verifier key, as `plaint info` prints it (repeatable).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file of the heads it cosigned [default: the key file, .db].",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    default=8010,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
def serve(
    key_file: Path, logs: tuple[str, ...], db: Path | None, host: str, port: int
) -> None:
    """Run a witness: POST /add-checkpoint cosigns a log's checkpoint only if
    it extends the last one this witness cosigned for it.

    \b
    Example:
      plaint witness serve --key witness.key --port 8010 \\
        --log "plaint/5f0c…+8c1a2b3c+AU7…"
    """
    import logging
    import time

    import uvicorn

    from ledger.evidence.note import NoteError
    from ledger.witnessing.keyfile import load_witness_key
    from ledger.witnessing.store import WitnessStore
    from ledger.witnessing.witness import Witness, log_keys
    from service.witness import create_witness_app

    try:
        known = log_keys(logs)
    except NoteError as error:
        raise click.BadParameter(str(error), param_hint="--log") from None
    name, key = load_witness_key(key_file)
    store = WitnessStore(db or key_file.with_suffix(".db"))
    here = Witness(name, key, known, store, time.time)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Witness {here.vkey} at http://{host}:{port}", err=True)
    try:
        uvicorn.run(
            create_witness_app(here),
            host=host,
            port=port,
            access_log=False,
            server_header=False,
            log_config=None,
        )
    finally:
        store.close()


@witness.command("add")
@click.argument("url")
@click.argument("vkey")
@json_option
@click.pass_context
def add(ctx: click.Context, url: str, vkey: str, as_json: bool) -> None:
    """Send each new checkpoint to the witness at URL, whose key is VKEY (admin).

    \b
    Example:
      plaint witness add https://witness.example.org \\
        "witness.example.org+1f2e3d4c+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    """
    added = open_ledger(ctx).add_witness(url, vkey)
    if as_json:
        echo_json(added)
        return
    click.echo(f"Witness {added['name']} at {added['url']} added.")


@witness.command("list")
@json_option
@click.pass_context
def list_witnesses(ctx: click.Context, as_json: bool) -> None:
    """The witnesses, the size each last cosigned, and what last went wrong.

    \b
    Example:
      plaint witness list --json
    """
    found = open_ledger(ctx).witnesses()
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("No witnesses: add one with `plaint witness add URL VKEY`.")
    for item in found:
        state = item["problem"] or "ok"
        click.echo(
            f"{item['name']}  {item['url']}  cosigned {item['cosigned_size']}  {state}"
        )


@witness.command("remove")
@click.argument("name_or_url")
@click.pass_context
def remove(ctx: click.Context, name_or_url: str) -> None:
    """Stop sending checkpoints to a witness (admin); its cosignatures stay.

    \b
    Example:
      plaint witness remove witness.example.org
    """
    open_ledger(ctx).remove_witness(name_or_url)
    click.echo(f"Witness {name_or_url} removed.")
