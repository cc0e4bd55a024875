"""What every ``shenbao`` command shares: one clear error line and the right exit code.

``handle_errors`` turns every expected error (``shenbao.errors.EXPECTED``) into ``error: …`` (exit 1 or 2; tracebacks only with
--debug); ``ShenbaoGroup`` does the same for click's usage errors (an unknown option, a missing
argument, a bad choice), which click would otherwise print as a usage block.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from shenbao.errors import EXPECTED, ConfigError, exit_code

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every expected error into one clear line and its exit code; tracebacks only with --debug."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            if ctx.obj.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            for line in exc.errors:
                click.echo(f"  {line}", err=True)
            ctx.exit(2)
        except EXPECTED as exc:
            if ctx.obj.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exit_code(exc))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(1)

    return wrapper


class OneLineUsageError(click.ClickException):
    """A usage mistake as one line (``error: …``, exit 2) instead of click's usage block."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _one_line(exc: click.UsageError) -> OneLineUsageError:
    where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    return OneLineUsageError(" ".join(exc.format_message().split()) + where)


class ShenbaoGroup(click.Group):
    """The command group; every usage error (unknown option, missing argument, a bad choice) is one line."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from exc
