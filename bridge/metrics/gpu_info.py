"""``GpuInfo`` (``ignite.metrics.gpu_info``): each GPU's memory use and utilization, through pynvml.

As Ignite's, it needs ``pynvml<12`` (its ``pynvml.smi.nvidia_smi``) and a visible CUDA device:
without pynvml it raises ``ModuleNotFoundError``, without a GPU ``RuntimeError``. Attached, it
writes ``"<name>:<i> mem(%)"`` (used / total memory, in percent) and ``"<name>:<i> util(%)"``
for each GPU ``i`` into ``engine.state.metrics`` at the chosen event (a GPU reporting "N/A"
gets no utilization entry). Lightning's own ``DeviceStatsMonitor`` callback logs the same kind
of figures to a Lightning logger; ``GpuInfo`` puts them where Ignite's handlers
(``ProgressBar``, the loggers' ``OutputHandler``) read metrics.

Example:
    >>> import sys
    >>> from unittest import mock
    >>> with mock.patch.dict(sys.modules, {"pynvml": None}):
    ...     GpuInfo()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ModuleNotFoundError: This contrib module requires pynvml to be installed. ... pip install 'pynvml<12'
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import torch

from bridge.engine.events import Events
from bridge.metrics.metric import Metric

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = ["GpuInfo"]

# what nvidia_smi.DeviceQuery is asked for: Ignite's query
_QUERY = "memory.used, memory.total, utilization.gpu"


class GpuInfo(Metric):
    """Per-GPU memory use and utilization (percent) from ``pynvml``'s ``nvidia_smi``, every iteration.

    ``compute()`` returns the ``"gpu"`` list of ``nvidia_smi.DeviceQuery(...)`` (an empty list,
    with a warning, when there is none); ``attach(engine, name="gpu", event_name=...)`` writes
    ``"gpu:0 mem(%)"``, ``"gpu:0 util(%)"``, ... as ints. A report missing a field is skipped
    with a warning, as in Ignite.

    Example (``pynvml`` stood in for by a module answering for one GPU, the CUDA check patched):
        >>> import sys, types
        >>> from unittest import mock
        >>> from bridge.engine import Engine
        >>> class nvidia_smi:
        ...     @staticmethod
        ...     def getInstance(): return nvidia_smi()
        ...     def DeviceQuery(self, query):
        ...         return {"gpu": [{"fb_memory_usage": {"used": 3.0, "total": 12.0},
        ...                          "utilization": {"gpu_util": 87}}]}
        >>> smi = types.SimpleNamespace(nvidia_smi=nvidia_smi)
        >>> modules = {"pynvml": types.SimpleNamespace(smi=smi), "pynvml.smi": smi}
        >>> with mock.patch.dict(sys.modules, modules), mock.patch("torch.cuda.is_available", lambda: True):
        ...     gpu = GpuInfo()
        >>> engine = Engine(lambda e, b: None)
        >>> gpu.attach(engine, name="gpu")
        >>> engine.run([0]).metrics
        {'gpu:0 mem(%)': 25, 'gpu:0 util(%)': 87}
    """

    def __init__(self) -> None:
        try:
            from pynvml.smi import nvidia_smi
        except ImportError:
            raise ModuleNotFoundError(
                "This contrib module requires pynvml to be installed. "
                "Please install it with command: \n pip install 'pynvml<12'"
            ) from None
        if not torch.cuda.is_available():
            raise RuntimeError("This contrib module requires available GPU")
        # no NVML driver: nvidia_smi's own error, as in Ignite
        self.nvsmi = nvidia_smi.getInstance()
        super().__init__()

    def reset(self) -> None:
        """Nothing to accumulate: each reading is taken when the metric completes."""

    def update(self, output: Any) -> None:
        """Nothing to accumulate: the step's output is not used."""

    def compute(self) -> list[dict[str, Any]]:
        """The per-GPU reports of ``nvidia_smi.DeviceQuery``; ``[]`` (with a warning) if there is none."""
        data = self.nvsmi.DeviceQuery(_QUERY)
        if len(data) == 0 or "gpu" not in data:
            warnings.warn("No GPU information available")
            return []
        return data["gpu"]

    def completed(self, engine: Engine, name: str) -> None:
        """Write each GPU's ``mem(%)`` then each one's ``util(%)`` into ``engine.state.metrics``."""
        reports = self.compute()
        if len(reports) < 1:
            warnings.warn("No GPU information available")
            return
        metrics = engine.state.metrics
        for i, report in enumerate(reports):
            memory = _field(report, "fb_memory_usage", "No GPU memory usage information available in {}")
            if memory is None:
                continue
            if not ("used" in memory and "total" in memory):
                warnings.warn(
                    "GPU memory usage information does not provide used/total "
                    f"memory consumption information in {memory}"
                )
                continue
            metrics[f"{name}:{i} mem(%)"] = int(memory["used"] * 100.0 / memory["total"])
        for i, report in enumerate(reports):
            utilization = _field(report, "utilization", "No GPU utilization information available in {}")
            if utilization is None:
                continue
            if "gpu_util" not in utilization:
                warnings.warn(f"GPU utilization information does not provide 'gpu_util' information in {utilization}")
                continue
            try:
                metrics[f"{name}:{i} util(%)"] = int(utilization["gpu_util"])
            except ValueError:
                pass  # nvidia-smi says "N/A": no entry, as in Ignite

    def attach(  # Ignite's signature: an event, not a usage
        self, engine: Engine, name: str = "gpu", event_name: Any = Events.ITERATION_COMPLETED
    ) -> None:
        """Write the GPUs' figures under ``name`` at each ``event_name`` (each iteration by default)."""
        engine.add_event_handler(event_name, self.completed, name)


def _field(report: dict[str, Any], key: str, missing: str) -> Any:
    """``report[key]``, or None with the warning ``missing`` (formatted with the report).

    Example:
        >>> _field({"utilization": {"gpu_util": 3}}, "utilization", "none in {}")
        {'gpu_util': 3}
    """
    if key not in report:
        warnings.warn(missing.format(report))
        return None
    return report[key]
