"""``ignite.contrib.handlers.tqdm_logger``: Ignite 0.5.5's deprecated alias of ``bridge.handlers.tqdm_logger``.

Example:
    >>> from bridge.contrib.handlers.tqdm_logger import ProgressBar
    >>> import bridge.handlers.tqdm_logger
    >>> ProgressBar is bridge.handlers.tqdm_logger.ProgressBar
    True
"""

from bridge.handlers.tqdm_logger import ProgressBar

__all__ = ["ProgressBar"]
