"""A refusal on the command line: every command of `wuye` answers a DomainError raised by a
service with one click error (exit status 1, nothing written: the command's unit of work rolled
back), in Chinese first, then English — the way every line the command prints reads."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import has_app_context
from flask.cli import ScriptInfo

from ..errors import DomainError
from ..i18n import translate_message, translate_messages, use_locale


def domain_message(exc: DomainError) -> str:
    """`中文 / English`: the error's message, then each field and its reason."""
    with _app_context():  # the catalogs are the app's (flask-babel)
        zh, en = (_describe(exc, locale) for locale in ("zh_CN", "en"))
    return zh if zh == en else f"{zh} / {en}"


def speak_domain_errors(command: click.Command) -> click.Command:
    """Make `command`, and every command under it, answer a DomainError with `domain_message`."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            speak_domain_errors(sub)
    if command.callback is not None and not getattr(command.callback, "speaks_domain_errors", False):
        command.callback = _speaking(command.callback)
    return command


def _speaking(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(domain_message(exc)) from exc

    run.speaks_domain_errors = True
    return run


def _describe(exc: DomainError, locale: str) -> str:
    from ..rollout.document import flatten

    errors = exc.errors or {}
    if errors and all(isinstance(fields, dict) for fields in errors.values()):
        # {"json": {field: [reason]}}: a command's input has no location, only the field
        errors = {field: reasons for fields in errors.values() for field, reasons in fields.items()}
    with use_locale(locale):
        parts = [translate_message(exc.message)] if exc.message else []
        parts += [f"{path}: {reason}" for path, reason in flatten(translate_messages(errors))]
    return "; ".join(parts) or str(exc)


@contextmanager
def _app_context() -> Iterator[None]:
    """The command's app context, or one of the app the command line builds: a command that
    uses `with_appcontext` has left its context by the time its error arrives here."""
    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    if has_app_context() or info is None:
        yield
        return
    with info.load_app().app_context():
        yield
