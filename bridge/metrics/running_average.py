"""``RunningAverage`` (``ignite.metrics.running_average``): an exponential moving average.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, batch: batch)
    >>> RunningAverage(output_transform=lambda x: x, alpha=0.5).attach(engine, "avg_loss")
    >>> engine.run([1.0, 3.0, 5.0]).metrics["avg_loss"]
    3.5
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

import bridge.distributed as idist
from bridge.engine.events import Events
from bridge.metrics.metric import Metric, MetricUsage, RunningBatchWise, SingleEpochRunningBatchWise, reinit__is_reduced

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = ["RunningAverage"]


class RunningAverage(Metric):
    """``value = alpha * value + (1 - alpha) * x``, ``x`` being a metric's batch value or the output.

    Args:
        src: a metric, computed and reset after each iteration; or None, then ``output_transform``
            picks the value from ``engine.state.output``.
        alpha: smoothing factor in (0, 1].
        output_transform: required iff ``src`` is None.
        epoch_bound: deprecated (warns); ``True`` is ``usage=SingleEpochRunningBatchWise()``,
            ``False`` is ``usage=RunningBatchWise()``, and it overrides ``attach``'s usage.
        device: only when ``src`` is None.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> from bridge.metrics import Accuracy
        >>> engine = Engine(lambda e, batch: batch)
        >>> RunningAverage(Accuracy(), alpha=0.5).attach(engine, "running_acc")
        >>> data = [(torch.tensor([1, 1]), torch.tensor([1, 1])), (torch.tensor([1, 0]), torch.tensor([1, 1]))]
        >>> engine.run(data).metrics["running_acc"]
        0.75
    """

    required_output_keys = None
    _state_dict_all_req_keys = ("_value", "src")

    def __init__(
        self,
        src: Metric | None = None,
        alpha: float = 0.98,
        output_transform: Callable | None = None,
        epoch_bound: bool | None = None,
        device: str | torch.device | None = None,
        skip_unrolling: bool = False,
    ) -> None:
        if not (isinstance(src, Metric) or src is None):
            raise TypeError("Argument src should be a Metric or None.")
        if not (0.0 < alpha <= 1.0):
            raise ValueError("Argument alpha should be a float between 0.0 and 1.0.")
        if isinstance(src, Metric):
            if output_transform is not None:
                raise ValueError("Argument output_transform should be None if src is a Metric.")
            if device is not None:
                raise ValueError("Argument device should be None if src is a Metric.")
            output_transform = _identity
            self.src: Metric | None = src
            device = src._device
        else:
            if output_transform is None:
                raise ValueError(
                    "Argument output_transform should not be None if src corresponds "
                    "to the output of process function."
                )
            self.src = None
            if device is None:
                device = torch.device("cpu")
        if epoch_bound is not None:
            warnings.warn(
                "`epoch_bound` is deprecated and will be removed in the future. Consider using `usage` argument of"
                "`attach` method instead. `epoch_bound=True` is equivalent with `usage=SingleEpochRunningBatchWise()`"
                " and `epoch_bound=False` is equivalent with `usage=RunningBatchWise()`."
            )
        self.epoch_bound = epoch_bound
        self.alpha = alpha
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._value: float | torch.Tensor | None = None
        if isinstance(self.src, Metric):
            self.src.reset()

    @reinit__is_reduced
    def update(self, output: torch.Tensor | float) -> None:
        if self.src is None:
            output = output.detach().to(self._device, copy=True) if isinstance(output, torch.Tensor) else output
            value = idist.all_reduce(output) / idist.get_world_size()
        else:
            value = self.src.compute()
            self.src.reset()
        self._value = value if self._value is None else self._value * self.alpha + (1.0 - self.alpha) * value

    def compute(self) -> torch.Tensor | float:
        return self._value  # type: ignore[return-value]

    def _usage(self, usage: str | MetricUsage) -> MetricUsage:
        usage = self._check_usage(usage)
        if self.epoch_bound is not None:
            usage = SingleEpochRunningBatchWise() if self.epoch_bound else RunningBatchWise()
        return usage

    def attach(self, engine: Engine, name: str, usage: str | MetricUsage = RunningBatchWise()) -> None:
        """Attach with ``RunningBatchWise`` usage by default; ``src`` is updated on every iteration."""
        usage = self._usage(usage)
        if isinstance(self.src, Metric) and not engine.has_event_handler(
            self.src.iteration_completed, Events.ITERATION_COMPLETED
        ):
            engine.add_event_handler(Events.ITERATION_COMPLETED, self.src.iteration_completed)
        super().attach(engine, name, usage)

    def detach(self, engine: Engine, usage: str | MetricUsage = RunningBatchWise()) -> None:
        """Remove the handlers added by :meth:`attach`."""
        usage = self._usage(usage)
        if isinstance(self.src, Metric) and engine.has_event_handler(
            self.src.iteration_completed, Events.ITERATION_COMPLETED
        ):
            engine.remove_event_handler(self.src.iteration_completed, Events.ITERATION_COMPLETED)
        super().detach(engine, usage)


def _identity(x: Any) -> Any:
    return x
