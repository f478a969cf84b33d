"""``ignite.contrib.handlers.mlflow_logger``: moved to ``bridge.handlers.mlflow_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.mlflow_logger`.

As in Ignite, ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.mlflow_logger import MLflowLogger
    >>> import bridge.handlers.mlflow_logger
    >>> MLflowLogger is bridge.handlers.mlflow_logger.MLflowLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/mlflow_logger.py")

from bridge.handlers.mlflow_logger import (  # noqa: E402
    MLflowLogger,
    OptimizerParamsHandler,
    OutputHandler,
)
from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)

__all__ = [
    "MLflowLogger",
    "OutputHandler",
    "OptimizerParamsHandler",
]
