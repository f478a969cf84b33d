"""The user's ``trainer_kwargs``, checked before Lightning sees them and named in Lightning's errors.

Both runners build a Lightning object (``pl.Trainer``, ``Fabric``) from ``trainer_kwargs``: an
unknown key is refused with the close option, a logger that is not Lightning's before the run,
and what Lightning's constructor raises comes out as ``trainer_kwargs['key']=value: ...``
rather than a deep Lightning traceback.

Example:
    >>> check_trainer_options({"max_epochs": 3, "precision": "bf16-mixed"})  # known options pass
"""

from __future__ import annotations

import difflib
import inspect
import re
import reprlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytorch_lightning as pl
from lightning_fabric.loggers import Logger as FabricLogger

__all__ = ["TRAINER_OPTIONS", "TrainerKwargsError", "check_trainer_options", "trainer_kwargs_named"]

#: ``pl.Trainer``'s keyword arguments (read once from its signature) and bridge's own ``grad_scaler``.
TRAINER_OPTIONS: frozenset[str] = frozenset(inspect.signature(pl.Trainer.__init__).parameters) - {"self"} | {
    "grad_scaler"
}


def check_trainer_options(
    options: Mapping[str, Any], allowed: Collection[str] = TRAINER_OPTIONS, what: str = "pl.Trainer"
) -> None:
    """A ``TypeError`` (as ``pl.Trainer`` raises for an unknown keyword) naming an unknown ``trainer_kwargs``
    key, or a ``logger`` that is no Lightning logger (Lightning would fail on it only when the run ends).

    Example:
        >>> check_trainer_options({"precison": "bf16-mixed"})
        Traceback (most recent call last):
        ...
        TypeError: trainer_kwargs['precison'] is not a pl.Trainer option; did you mean 'precision'?
    """
    for key, value in options.items():
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise TypeError(f"trainer_kwargs[{key!r}] is not a {what} option{hint}")
        if key in ("logger", "loggers") and not isinstance(value, (bool, type(None))):
            loggers = value if isinstance(value, (list, tuple)) else [value]
            wrong = next((item for item in loggers if not isinstance(item, FabricLogger)), None)
            if wrong is not None:
                raise TypeError(
                    f"trainer_kwargs[{key!r}] should be a Lightning logger (pytorch_lightning.loggers), a list of "
                    f"them, or False; got {reprlib.repr(wrong)} ({type(wrong).__name__}). An Ignite logger "
                    "(bridge.handlers' TensorboardLogger, ...) is attached to the engine instead."
                )


class TrainerKwargsError(Exception):
    """Base of the errors :func:`trainer_kwargs_named` raises: a Lightning constructor's error, naming the
    ``trainer_kwargs`` option it came from; each is also a subclass of the original error's type.

    Example:
        >>> issubclass(TrainerKwargsError, Exception)
        True
    """


_named_types: dict[type, type] = {}


def _named_type(original: type[BaseException]) -> type[BaseException]:
    # a subclass of the original type (except clauses keep working) that prints as the original
    named = _named_types.get(original)
    if named is None:
        named = type(original.__name__, (original, TrainerKwargsError), {
            "__module__": original.__module__,
            "__qualname__": original.__qualname__,
            # pickles (e.g. across processes) as the original type with the named message
            "__reduce__": lambda self: (original, self.args),
        })  # fmt: skip
        _named_types[original] = named
    return named


def _culprits(message: str, options: Mapping[str, Any]) -> list[str]:
    """The options an error message is about: ``key=`` first, else the key as a word."""
    keys = [key for key in options if isinstance(key, str)]
    assigned = [key for key in keys if re.search(rf"\b{re.escape(key)}\s*=", message)]
    return assigned or [key for key in keys if re.search(rf"\b{re.escape(key)}\b", message, re.IGNORECASE)]


@contextmanager
def trainer_kwargs_named(options: Mapping[str, Any], constructor: str) -> Iterator[None]:
    """Re-raise an error of Lightning's ``constructor`` (``pl.Trainer``, ``Fabric``) built from the user's
    ``trainer_kwargs`` as ``trainer_kwargs[key]=value: <Lightning's message>``.

    The option is the one Lightning's message names. The new error is of a subclass of the original
    type (and :class:`TrainerKwargsError`), chained from it; an error that already names
    ``trainer_kwargs``, or names none of the options, passes unchanged.

    Example:
        >>> with trainer_kwargs_named({"accelerator": "nope"}, "pl.Trainer"):
        ...     pl.Trainer(accelerator="nope")
        Traceback (most recent call last):
        ...
        ValueError: trainer_kwargs['accelerator']='nope': You selected an invalid accelerator name: ...
    """
    try:
        yield
    except Exception as e:
        message = str(e)
        if not options or message.startswith("trainer_kwargs") or isinstance(e, TrainerKwargsError):
            raise
        keys = _culprits(message, options)
        if not keys:
            raise  # about none of them (e.g. a Lightning callback): Lightning's own error
        named = ", ".join(f"trainer_kwargs[{key!r}]={reprlib.repr(options[key])}" for key in keys)
        try:
            error = _named_type(type(e))(f"{named}: {message} (raised by {constructor})")
        except Exception:  # an exception type that takes other arguments: keep Lightning's own
            raise e from None
        raise error from e
