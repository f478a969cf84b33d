"""Small helpers of the engine: signature checks at registration time, time formatting."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def _check_signature(fn: Callable, fn_description: str, *args: Any, **kwargs: Any) -> None:
    """Raise ``ValueError`` if ``fn`` cannot be called with ``args`` and ``kwargs``.

    A filtered handler's wrapper is checked through the user's function it wraps.
    """
    signature = inspect.signature(getattr(fn, "_parent", fn))
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        fn_params = list(signature.parameters)
        passed_params = list(args) + list(kwargs)
        raise ValueError(
            f"Error adding {fn} '{fn_description}': "
            f"takes parameters {fn_params} but will be called with {passed_params}({exc})."
        ) from None


def _to_hours_mins_secs(time_taken: float) -> tuple[int, int, float]:
    """Split seconds into hours, minutes and seconds."""
    mins, secs = divmod(time_taken, 60)
    hours, mins = divmod(mins, 60)
    return round(hours), round(mins), secs
