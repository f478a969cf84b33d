"""``ignite.contrib.handlers.time_profilers``: Ignite 0.5.5's deprecated alias of ``bridge.handlers.time_profilers``.

Only ``BasicTimeProfiler`` is implemented so far (``HandlersTimeProfiler`` is not).

Example:
    >>> from bridge.contrib.handlers.time_profilers import BasicTimeProfiler
    >>> import bridge.handlers.time_profilers
    >>> BasicTimeProfiler is bridge.handlers.time_profilers.BasicTimeProfiler
    True
"""

from bridge.handlers.time_profilers import BasicTimeProfiler

__all__ = ["BasicTimeProfiler"]
