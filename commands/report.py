"""`plaint report …`: self-contained HTML reports, or their data with --json.

The reports themselves (their data, titles and pages) are the read side's,
in projections/reports/; these commands parse, build one and print or write it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from commands.base import (
    TIME,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    session,
)
from commands.output import allowed_output, output_file, write_output

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

F = TypeVar("F", bound=Callable[..., Any])


def publish(
    ledger: ComplaintLedger,
    data: dict[str, Any],
    output: Path | None,
    printer: str | None = None,
    paper: str = "a4",
) -> Path | None:
    """Print the data (no `output`) or write the page (printed to PDF by the
    Chromium program `printer`, when given), and record the run. A file is
    written whole or not at all: to a temporary file beside it, renamed into
    place only once the run is recorded."""
    from projections.reports.registry import record
    from projections.reports.render import render

    if output is None:
        record(ledger, data)
        echo_json(data)
        return None
    name = data["header"]["report"]
    page: str | bytes
    if printer is None:
        page = render(name, data)
    else:
        from commands.pdf import PAPERS, print_pdf

        page = print_pdf(printer, render(name, data, PAPERS[paper]), ledger.environ)
    return write_output(ledger, output, page, partial(record, ledger, data))


def _run(
    ctx: click.Context,
    name: str,
    parameters: dict[str, Any],
    output: Path | None,
    as_json: bool,
) -> None:
    from commands.csvfiles import usable_folder, write_tables
    from commands.pdf import browser, wants_pdf
    from projections.reports.registry import build, open_for, record
    from projections.reports.tables import tables

    folder: Path | None = ctx.meta.get("csv")
    if as_json and (output is not None or folder is not None):
        raise click.UsageError(
            "give -o FILE or --json, not both"
            if folder is None
            else "give --csv DIR or --json, not both"
        )
    if not as_json and output is None and folder is None:
        raise click.UsageError(
            "say where to write the report with -o FILE, or use --json"
        )
    if folder is not None:
        usable_folder(folder)
    paper = ctx.meta.get("paper", "a4")
    # Before anything is read or recorded: a PDF needs a browser to print it.
    printer = browser(session(ctx).environ) if wants_pdf(output) else None
    now = session(ctx).clock()
    ledger, store = open_for(
        partial(open_ledger, ctx), name, now, parameters.get("as_of")
    )
    if output is not None:
        allowed_output(ledger, output)
    data = build(ledger, store, name, now, parameters)
    if as_json or output is not None:
        written = publish(ledger, data, output, printer, paper)
        if written is not None:
            click.echo(f"Wrote {written}")
    if folder is not None:
        # The run is recorded once: by the page when there is one.
        once = None if output is not None else partial(record, ledger, data)
        for path in write_tables(ledger, folder, name, tables(name, data), once):
            click.echo(f"Wrote {path}")


_output = output_file(
    "Write the HTML report to this file; FILE.pdf prints it to PDF with Chromium."
)
_paper = click.option(
    "--paper",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    default="a4",
    show_default=True,
    help="The paper size of a PDF (-o FILE.pdf).",
    expose_value=False,
    callback=lambda ctx, _option, value: ctx.meta.__setitem__("paper", value.lower()),
)


_csv = click.option(
    "--csv",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Also (or instead) write the report's tables as CSV files into DIR, "
    "one per table, named REPORT-TABLE.csv.",
    expose_value=False,
    callback=lambda ctx, _option, value: ctx.meta.__setitem__("csv", value),
)


def output_option(function: F) -> F:
    """`-o FILE` (HTML, or PDF by its suffix), `--paper` for a PDF, and
    `--csv DIR` for the tables as CSV files."""
    return _output(_paper(_csv(function)))


def as_of_option(function: F) -> F:
    """`--as-of TIME`: the report as the ledger stood then."""
    return click.option(
        "--as-of", type=TIME, help="Report as the ledger stood at this time."
    )(function)


@click.group(cls=PlaintGroup)
def report() -> None:
    """Render a report as one self-contained HTML page (or --json data).

    Each run is recorded in the ledger: who generated which report, over
    which events.

    \b
    Example:
      plaint report lessons --project Apollo -o apollo.html
      plaint report warnings -o warnings.html
      plaint report access --since 2026-01-01 -o access.html
    """


@report.command()
@click.option("--project", required=True, help="The project to review.")
@as_of_option
@output_option
@json_option
@click.pass_context
def lessons(
    ctx: click.Context,
    project: str,
    as_of: datetime | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """The lessons-learned review of one project: what went wrong and right.

    \b
    Example:
      plaint report lessons --project Apollo -o apollo-lessons.html
      plaint report lessons --project Apollo -o apollo-lessons.pdf --csv apollo/
      plaint report lessons --project Apollo --as-of 2026-03-01 --json
    """
    _run(ctx, "lessons", {"project": project, "as_of": as_of}, output, as_json)


@report.command()
@click.argument("ref")
@output_option
@json_option
@click.pass_context
def route(ctx: click.Context, ref: str, output: Path | None, as_json: bool) -> None:
    """Replay one complaint's route for an audit: every event and state.

    \b
    Example:
      plaint report route C-7 -o route-C-7.html
    """
    _run(ctx, "route", {"ref": ref}, output, as_json)


@report.command()
@as_of_option
@output_option
@json_option
@click.pass_context
def warnings(
    ctx: click.Context, as_of: datetime | None, output: Path | None, as_json: bool
) -> None:
    """The early-warning dashboard: each project green, amber or red, and why.

    \b
    Example:
      plaint report warnings -o warnings.html
      plaint report warnings --as-of 2026-02-01 --json
    """
    _run(ctx, "warnings", {"as_of": as_of}, output, as_json)


@report.command()
@click.option("--project", help="Only complaints about this project.")
@as_of_option
@output_option
@json_option
@click.pass_context
def team(
    ctx: click.Context,
    project: str | None,
    as_of: datetime | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """How each member handled their complaints, for coaching.

    \b
    Example:
      plaint report team -o team.html
      plaint report team --project Apollo --json
    """
    _run(ctx, "team", {"project": project, "as_of": as_of}, output, as_json)


@report.command()
@click.option("--since", type=TIME, help="Only accesses and changes from this time.")
@click.option("--complaint", "ref", metavar="REF", help="Only this complaint.")
@output_option
@json_option
@click.pass_context
def access(
    ctx: click.Context,
    since: datetime | None,
    ref: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """Who read, exported or was refused each confidential complaint, who may
    read it, and whose reading stands out (compliance, auditor or admin).

    \b
    Example:
      plaint report access -o access.html
      plaint report access --since 2026-01-01 --complaint C-7 --json
    """
    _run(ctx, "access", {"since": since, "complaint": ref}, output, as_json)
