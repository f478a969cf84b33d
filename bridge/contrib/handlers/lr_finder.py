"""``ignite.contrib.handlers.lr_finder``: Ignite 0.5.5's deprecated alias of ``bridge.handlers.lr_finder``.

Importing it warns with a ``DeprecationWarning`` (the first import only, as any module-level
warning), as Ignite's module does; ``FastaiLRFinder`` is the same class.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.lr_finder import FastaiLRFinder
    >>> import bridge.handlers.lr_finder
    >>> FastaiLRFinder is bridge.handlers.lr_finder.FastaiLRFinder
    True
"""

import warnings

from bridge.handlers.lr_finder import FastaiLRFinder

removed_in = "0.6.0"
deprecation_warning = (
    "bridge.contrib.handlers.lr_finder (ignite.contrib.handlers.lr_finder) has been moved to "
    f"bridge.handlers.lr_finder (ignite.handlers.lr_finder) and will be removed in version {removed_in}: "
    "import FastaiLRFinder from bridge.handlers (ignite.handlers) instead."
)
warnings.warn(deprecation_warning, DeprecationWarning, stacklevel=2)

__all__ = ["FastaiLRFinder"]
