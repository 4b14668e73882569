"""Which tables a commit changed, for the per-process caches that must forget what it changed.

Caches register the classes they depend on with `forget_on_commit`; any commit that wrote a
row of one of them (through the unit of work or an ORM insert/update/delete statement) calls
their `forget`. It sees this process's writes only: caches state how stale they may be for
writes made elsewhere (other workers, the rq worker, raw SQL).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

_CHANGED = "wuye_changed_classes"
_watchers: list[tuple[tuple[type, ...], Callable[[], None]]] = []
_forgetters_of: dict[type, tuple[Callable[[], None], ...]] = {}  # from _watchers, per class written


def forget_on_commit(classes: tuple[type, ...], forget: Callable[[], None]) -> None:
    _install()
    if (classes, forget) not in _watchers:  # every app registers its caches; the events are global
        _watchers.append((classes, forget))
        _forgetters_of.clear()


def note_written(session: Session, classes) -> None:
    """Record that this transaction wrote rows of `classes`. The listeners below call it for the
    unit of work and ORM statements; tenancy/direct.py, which bypasses both, calls it itself."""
    session.info.setdefault(_CHANGED, set()).update(classes)


def written_in(session: Session) -> bool:
    """Whether this transaction has written anything noted so far (db_durability.py asks)."""
    return bool(session.info.get(_CHANGED))


def _note_flush(session: Session, _flush_context, _instances) -> None:
    note_written(session, {type(obj) for objs in (session.new, session.dirty, session.deleted) for obj in objs})


class Unmapped:
    """Stands for what a statement may have written that no mapped class names: text() SQL, a
    statement on a Core table. No cache depends on it; db_durability.py counts it as a write."""


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    dml = state.is_insert or state.is_update or state.is_delete
    note_written(state.session, ({m.class_ for m in state.all_mappers} if dml else set()) or {Unmapped})


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    forgets = {}
    for c in changed:
        found = _forgetters_of.get(c)
        if found is None:
            found = _forgetters_of[c] = tuple(forget for classes, forget in _watchers if issubclass(c, classes))
        forgets.update(dict.fromkeys(found))
    for forget in forgets:
        forget()


def _drop_note(session: Session, _previous_transaction=None) -> None:
    session.info.pop(_CHANGED, None)


def _install() -> None:
    if event.contains(Session, "after_commit", _after_commit):
        return
    for name, listener in (("before_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("after_commit", _after_commit), ("after_soft_rollback", _drop_note)):
        event.listen(Session, name, listener)
