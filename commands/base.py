"""What every command shares: the session, error translation, option types.

Only this package turns ledger errors into Click's: a bad value is a usage
error (exit 2), anything refused or failed is exit 1, each one `Error:` line.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from commands.terminal import (
    escape,
    escaped_output,
    json_text,
    raw_output,
    raw_stream,
)
from ledger.domain.timeutil import Clock, parse_duration, parse_time, system_clock
from ledger.domain.vocabulary import Channel, Role, Severity, Status
from ledger.errors import InvalidInput, LedgerError

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.store import ViewSQL

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass
class Session:
    """Who is acting on which ledger; tests may give their own clock."""

    ledger: str | None = None
    actor: str = ""
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Clock = system_clock


def default_actor(environ: Mapping[str, str]) -> str:
    """The OS user name, the actor when `--as` is not given."""
    from ledger.host import os_user

    return os_user(environ)


@contextmanager
def translated_errors(ctx: click.Context) -> Iterator[None]:
    """Ledger and database errors as Click's: one `Error:` line, exit 2 for a
    bad value and 1 for anything refused or failed."""
    try:
        yield
    except InvalidInput as error:
        raise click.UsageError(str(error), ctx) from None
    except LedgerError as error:
        # Escaped here too: Click strips ANSI sequences from an error shown
        # after its command ended, before the escaped stream could show them.
        raise click.ClickException(escape(str(error))) from None
    except Exception as error:
        from eventsourcing.persistence import PersistenceError

        if isinstance(error, PersistenceError):
            raise click.ClickException(
                f"the ledger's database failed: {error}"
            ) from None
        raise


def refuse_undecodable(ctx: click.Context) -> None:
    """Refuse (exit 2) a text argument holding bytes that were not UTF-8: it
    could be neither recorded nor printed. Paths are the system's business."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str) and not is_utf8(item):
                raise click.BadParameter(
                    f"'{escape(item)}' is not valid UTF-8 text; give it in UTF-8",
                    ctx,
                    param,
                )


def is_utf8(text: str) -> bool:
    """Whether `text` has a UTF-8 encoding (lone surrogates stand for bytes
    that were not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_stdin() -> str:
    """Standard input as text; exit 2 when it is not UTF-8."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.UsageError(
            f"standard input is not valid UTF-8 text (byte {error.start + 1} is "
            f"0x{data[error.start]:02x}); convert it to UTF-8, e.g. with iconv"
        ) from None


class PlaintCommand(click.Command):
    """A command whose ledger errors become one `Error:` line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        refuse_undecodable(ctx)
        with translated_errors(ctx):
            return super().invoke(ctx)


class PlaintGroup(click.Group):
    """A group whose commands are `PlaintCommand`s, loaded only when used; its
    own callback's errors are translated as theirs are."""

    command_class = PlaintCommand
    group_class = type

    def __init__(
        self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Called on the root group only: everything printed, errors included,
        # is escaped; and Click must not strip ANSI sequences silently first.
        kwargs.setdefault("color", True)
        with escaped_output():
            return super().main(*args, **kwargs)

    def _main_shell_completion(self, *args: Any, **kwargs: Any) -> None:
        # Completions are plaint's own names, which Click writes as bytes.
        with raw_output():
            super()._main_shell_completion(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        refuse_undecodable(ctx)
        with translated_errors(ctx):
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


def session(ctx: click.Context) -> Session:
    """The session the root command set up."""
    found = ctx.find_object(Session)
    assert found is not None, "the root command creates the session"
    return found


def open_ledger(ctx: click.Context) -> ComplaintLedger:
    """Open the session's ledger; it is closed when the command ends."""
    from ledger.application import ComplaintLedger
    from ledger.storage.location import parse_location

    current = session(ctx)
    location = parse_location(current.ledger, current.environ)
    ledger = ComplaintLedger.open(
        location, actor=current.actor, environ=current.environ, clock=current.clock
    )
    ctx.call_on_close(ledger.close)
    return ledger


def open_views(ctx: click.Context) -> tuple[ComplaintLedger, ViewSQL]:
    """Open the session's ledger and its views, caught up with the log."""
    from projections.catchup import catch_up, open_store

    ledger = open_ledger(ctx)
    store = open_store(ledger)
    catch_up(ledger, store)
    return ledger, store


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's standard error; silent elsewhere, so that
    scripts and cron see only the result."""
    if not sys.stderr.isatty():
        yield lambda _done: None
        return
    with click.progressbar(
        length=length, label=label, file=raw_stream(sys.stderr)
    ) as bar:
        yield bar.update


@contextmanager
def progress_of(label: str) -> Iterator[Callable[[int, int], None]]:
    """Like `progress_bar`, for work that learns its length as it goes: the
    callback takes how much is done and of how much."""
    if not sys.stderr.isatty():
        yield lambda _done, _total: None
        return
    bars: list[Any] = []

    def report(done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(
                length=total, label=label, file=raw_stream(sys.stderr)
            )
            bars.append(bar.__enter__())
        bars[0].update(done - bars[0].pos)

    try:
        yield report
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


def echo_json(data: Any) -> None:
    """Print one JSON document, and nothing else."""
    click.echo(json_text(data))


def json_option(function: F) -> F:
    """`--json`: print the data as one JSON document instead of text."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document instead."
    )(function)


class ParsedType(click.ParamType[T]):
    """A value read by one of the ledger's parsers; its error becomes Click's."""

    def __init__(self, name: str, parse: Callable[[str], T]) -> None:
        self.name = name
        self.parse = parse

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> T:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]  # a default already parsed
        try:
            return self.parse(value)
        except InvalidInput as error:
            self.fail(str(error), param, ctx)


DURATION = ParsedType("duration", parse_duration)
TIME = ParsedType("time", parse_time)
SEVERITY = click.Choice([s.value for s in Severity])
CHANNEL = click.Choice([c.value for c in Channel])
ROLE = click.Choice([r.value for r in Role])
STATUS = click.Choice([s.value for s in Status])
