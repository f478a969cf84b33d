"""``ignite.contrib.handlers.tqdm_logger``: moved to ``bridge.handlers.tqdm_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.tqdm_logger`.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.tqdm_logger import ProgressBar
    >>> import bridge.handlers.tqdm_logger
    >>> ProgressBar is bridge.handlers.tqdm_logger.ProgressBar
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/tqdm_logger.py")

from bridge.handlers.tqdm_logger import (  # noqa: E402
    ProgressBar,
)

__all__ = [
    "ProgressBar",
]
