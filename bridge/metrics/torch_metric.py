"""``TorchMetric``: any ``torchmetrics.Metric`` as an Ignite metric (bridge addition).

The torchmetrics metric keeps its own state (and its own distributed sync); bridge adds
Ignite's protocol: ``output_transform``, ``attach`` with usages, ``NotComputableError``
before any update, python numbers for scalar results.

Example:
    >>> import torch, torchmetrics
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, batch: batch)
    >>> TorchMetric(torchmetrics.AUROC(task="binary")).attach(engine, "auc")
    >>> data = [(torch.tensor([0.1, 0.8]), torch.tensor([0, 1])), (torch.tensor([0.6, 0.3]), torch.tensor([1, 0]))]
    >>> engine.run(data).metrics["auc"]
    1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric
from bridge.utils import _identity

if TYPE_CHECKING:  # torchmetrics is imported on first use: `import bridge.metrics` stays light
    import torchmetrics

__all__ = ["TorchMetric"]


def _to_python(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.ndim == 0:
        return value.item()
    if isinstance(value, Mapping):
        return {k: _to_python(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_to_python(v) for v in value)
    return value


class TorchMetric(Metric):
    """Wrap ``metric`` (a ``torchmetrics.Metric``) so it attaches to an engine Ignite-style.

    ``update`` calls ``metric.update(*output)`` for a ``(y_pred, y, ...)`` tuple/list, else
    ``metric.update(output)``; a dict output gives ``(output["y_pred"], output["y"])``.
    ``compute`` returns ``metric.compute()`` with 0-d tensors turned into python numbers
    (also inside dicts and tuples); other tensors are returned as they are.

    Args:
        metric: the torchmetrics metric (moved to ``device``).
        output_transform: maps ``engine.state.output`` to the update's arguments.
        device: where the metric state lives; default, the metric's current device.
        metrics_result_mode: for dict results (e.g. ``MetricCollection``), see :class:`Metric`.

    Example:
        >>> import torch, torchmetrics
        >>> m = TorchMetric(torchmetrics.MeanSquaredError())
        >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
        >>> m.compute()
        2.0
        >>> m.reset(); m.compute()
        Traceback (most recent call last):
        ...
        bridge.exceptions.NotComputableError: MeanSquaredError must have at least one example before it can be computed.
    """

    def __init__(
        self,
        metric: torchmetrics.Metric | torchmetrics.MetricCollection,
        output_transform: Callable = _identity,
        device: str | torch.device | None = None,
        skip_unrolling: bool = False,
        metrics_result_mode: Literal["flatten", "named", "both"] = "both",
    ) -> None:
        import torchmetrics

        if not isinstance(metric, (torchmetrics.Metric, torchmetrics.MetricCollection)):
            raise TypeError(f"Argument metric should be a torchmetrics.Metric, but given {type(metric)}")
        self.metric = metric
        self._updated = False
        if device is None:
            device = getattr(metric, "device", torch.device("cpu"))
        super().__init__(
            output_transform, device=device, skip_unrolling=skip_unrolling, metrics_result_mode=metrics_result_mode
        )
        self.metric.to(self._device)

    def reset(self) -> None:
        self.metric.reset()
        self._updated = False

    def update(self, output: Any) -> None:
        if isinstance(output, Sequence) and not isinstance(output, (str, torch.Tensor)):
            self.metric.update(*output)
        else:
            self.metric.update(output)
        self._updated = True

    def compute(self) -> Any:
        if not self._updated:
            raise NotComputableError(
                f"{type(self.metric).__name__} must have at least one example before it can be computed."
            )
        return _to_python(self.metric.compute())
