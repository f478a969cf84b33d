"""Exceptions of Ignite's public API (``ignite.exceptions``).

Example:
    >>> from bridge.exceptions import NotComputableError
    >>> try:
    ...     raise NotComputableError("Accuracy must have at least one example")
    ... except RuntimeError as e:
    ...     print(type(e).__name__, e)
    NotComputableError Accuracy must have at least one example
"""

__all__ = ["NotComputableError"]


class NotComputableError(RuntimeError):
    """Raised by a metric's ``compute()`` when it has nothing to compute from yet.

    A ``RuntimeError`` subclass, as in Ignite, so ``except RuntimeError`` still catches it.

    Example:
        >>> isinstance(NotComputableError("MeanSquaredError must have at least one example"), RuntimeError)
        True
    """
