"""Results shared within one run of the analytics, so what several analytics and page tables ask of the same rows
is worked out once.

A run of the stored insights (one batch of services as of one month) asks `measures.monthly` the same question many
times over (the register, the signals, the board's figures and the page tables each read the same measures), and
the repeat table three times. Inside `shared_run()` a function marked `shared` answers a question it has answered
already in the run from what it found then; outside one it works as ever. The store's rows do not change within a
run, so an answer found earlier is the answer now. Each caller gets its own copy: callers add columns to the frames
they are given.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_RUN: ContextVar[dict[Any, Any] | None] = ContextVar("run_cache", default=None)
_SERVICES = "services"  # the run's key for the services it computes


@contextmanager
def shared_run(services: tuple[str, ...] | None = None) -> Iterator[None]:
    """Answers shared until the block ends (a run inside a run shares the outer run's). `services`: the services
    the run computes, so a question about one of them can be answered from the same question about them all
    (`run_services`)."""
    token = _RUN.set({_SERVICES: tuple(services or ())}) if _RUN.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _RUN.reset(token)


def within_run(function: F) -> F:
    """`function` run inside a run of its own where none is under way, so what it asks twice is worked out once
    when it is called alone too."""
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with shared_run():
            return function(*args, **kwargs)
    return run  # type: ignore[return-value]


def run_services() -> tuple[str, ...]:
    """The services of the run under way (none outside one)."""
    found = _RUN.get()
    return found[_SERVICES] if found is not None else ()


def shared(function: F) -> F:
    """`function(con, ...)` answered once per run for the same arguments, however they are passed (dictionaries,
    such as the settings, by their contents). A run reads one store, so the connection is not part of the key."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def answer(con: Any, *args: Any, **kwargs: Any) -> Any:
        found = _RUN.get()
        if found is None:
            return function(con, *args, **kwargs)
        bound = signature.bind(con, *args, **kwargs)
        bound.apply_defaults()
        key = (function.__module__, function.__qualname__, _key(list(bound.arguments.items())[1:]))
        if key not in found:
            found[key] = function(con, *args, **kwargs)
        return copy.deepcopy(found[key])
    return answer  # type: ignore[return-value]


def _key(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, (list, tuple)):
        return tuple(_key(v) for v in value)
    return value
