"""``MetricGroup`` (``ignite.metrics.metric_group``): several metrics attached, reset and computed as one.

Its result is a dict ``{name: value}``: attached under ``name``, each value also lands in
``engine.state.metrics`` under its own key (Ignite's default ``metrics_result_mode="both"``).
It plays the part of torchmetrics' ``MetricCollection`` for Ignite metrics.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> from bridge.metrics import Accuracy, Precision
    >>> evaluator = Engine(lambda e, batch: batch)
    >>> MetricGroup({"acc": Accuracy(), "precision": Precision()}).attach(evaluator, "eval")
    >>> y_pred, y = torch.tensor([1, 0, 1, 0, 1, 1]), torch.tensor([1, 0, 1, 1, 0, 1])
    >>> metrics = evaluator.run([(y_pred, y)]).metrics
    >>> round(metrics["acc"], 4), float(metrics["precision"]), sorted(metrics["eval"])
    (0.6667, 0.75, ['acc', 'precision'])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.metrics.metric import Metric
from bridge.utils import _identity

__all__ = ["MetricGroup"]


class MetricGroup(Metric):
    """A dict of metrics updated from one output: ``compute()`` is ``{name: metric.compute()}``.

    Each update goes through the group's ``output_transform`` (and unrolling), then through each
    metric's own ``output_transform``. ``state_dict`` holds every metric's state.

    Example:
        >>> import torch
        >>> from bridge.metrics import MeanAbsoluteError, MeanSquaredError
        >>> group = MetricGroup({"mae": MeanAbsoluteError(), "mse": MeanSquaredError()})
        >>> group.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
        >>> group.compute()
        {'mae': 1.0, 'mse': 2.0}
    """

    _state_dict_all_req_keys: tuple[str, ...] = ("metrics",)

    def __init__(
        self, metrics: dict[str, Metric], output_transform: Callable = _identity, skip_unrolling: bool = False
    ) -> None:
        self.metrics = metrics
        super().__init__(output_transform=output_transform, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        for metric in self.metrics.values():
            metric.reset()

    def update(self, output: Any) -> None:
        for metric in self.metrics.values():
            metric.update(metric._output_transform(output))

    def compute(self) -> dict[str, Any]:
        return {name: metric.compute() for name, metric in self.metrics.items()}
