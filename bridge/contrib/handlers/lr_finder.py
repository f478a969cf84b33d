"""``ignite.contrib.handlers.lr_finder``: moved to ``bridge.handlers.lr_finder``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``FastaiLRFinder``
is the same class.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.lr_finder import FastaiLRFinder
    >>> import bridge.handlers.lr_finder
    >>> FastaiLRFinder is bridge.handlers.lr_finder.FastaiLRFinder
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/lr_finder.py")

from bridge.handlers.lr_finder import FastaiLRFinder  # noqa: E402

__all__ = ["FastaiLRFinder"]
