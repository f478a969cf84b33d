"""Base mixins shared by handlers and metrics (``ignite.base``).

Example:
    >>> from bridge.base import Serializable, ResettableHandler
"""

from bridge.base.mixins import ResettableHandler, Serializable

__all__ = ["Serializable", "ResettableHandler"]
