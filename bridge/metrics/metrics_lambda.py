"""``MetricsLambda``: a metric computed from other metrics (``ignite.metrics.metrics_lambda``).

Example:
    >>> import torch
    >>> from bridge.metrics import Precision, Recall
    >>> p, r = Precision(average=False), Recall(average=False)
    >>> f1 = MetricsLambda(lambda p, r: (2 * p * r / (p + r + 1e-20)).mean().item(), p, r)
    >>> f1.update((torch.tensor([[0.9, 0.1], [0.3, 0.7]]), torch.tensor([0, 0])))
    >>> round(f1.compute(), 4)
    0.3333
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import torch

from bridge.metrics.metric import EpochWise, Metric, MetricUsage, reinit__is_reduced

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = ["MetricsLambda"]


class MetricsLambda(Metric):
    """Apply ``f`` to the computed values of the metrics (and plain values) in ``args`` / ``kwargs``.

    Attached, it attaches its source metrics too (their ``started`` and ``iteration_completed``),
    so only its own value lands in ``engine.state.metrics``. It can be used with the
    ``reset``/``update``/``compute`` API while not attached.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> from bridge.metrics import Accuracy
        >>> acc = Accuracy()
        >>> error = 1.0 - acc  # a MetricsLambda
        >>> engine = Engine(lambda e, b: b)
        >>> error.attach(engine, "error")
        >>> engine.run([(torch.tensor([1, 0, 1, 1]), torch.tensor([1, 1, 1, 1]))]).metrics
        {'error': 0.25}
    """

    _state_dict_all_req_keys = ("_updated", "args", "kwargs")

    def __init__(
        self,
        f: Callable,
        *args: Any,
        skip_unrolling: bool = False,
        metrics_result_mode: Literal["flatten", "named", "both"] = "both",
        **kwargs: Any,
    ) -> None:
        self.function = f
        self.args = list(args)
        self.kwargs = kwargs
        self.engine: Engine | None = None
        self._updated = False
        super().__init__(device="cpu", metrics_result_mode=metrics_result_mode, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        for i in itertools.chain(self.args, self.kwargs.values()):
            if isinstance(i, Metric):
                i.reset()
        self._updated = False

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        if self.engine:
            raise ValueError(
                "MetricsLambda is already attached to an engine, "
                "and MetricsLambda can't use update API while it's attached."
            )
        for i in itertools.chain(self.args, self.kwargs.values()):
            if isinstance(i, Metric):
                i.update(output)
        self._updated = True

    def compute(self) -> Any:
        materialized = [_get_value_on_cpu(i) for i in self.args]
        materialized_kwargs = {k: _get_value_on_cpu(v) for k, v in self.kwargs.items()}
        return self.function(*materialized, **materialized_kwargs)

    def _internal_attach(self, engine: Engine, usage: MetricUsage) -> None:
        self.engine = engine
        for metric in itertools.chain(self.args, self.kwargs.values()):
            if isinstance(metric, MetricsLambda):
                metric._internal_attach(engine, usage)
            elif isinstance(metric, Metric):
                # a source shared by several lambdas is updated once per event
                if not engine.has_event_handler(metric.started, usage.STARTED):
                    engine.add_event_handler(usage.STARTED, metric.started)
                if not engine.has_event_handler(metric.iteration_completed, usage.ITERATION_COMPLETED):
                    engine.add_event_handler(usage.ITERATION_COMPLETED, metric.iteration_completed)

    def attach(self, engine: Engine, name: str, usage: str | MetricUsage = EpochWise()) -> None:
        """Attach the source metrics and write ``f(...)`` under ``name`` at the usage's COMPLETED."""
        if self._updated:
            raise ValueError(
                "The underlying metrics are already updated, can't attach while using reset/update/compute API."
            )
        usage = self._check_usage(usage)
        self._internal_attach(engine, usage)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)

    def detach(self, engine: Engine, usage: str | MetricUsage = EpochWise()) -> None:
        """Remove this lambda's COMPLETED handler (the sources stay attached, as in Ignite)."""
        usage = self._check_usage(usage)
        super().detach(engine, usage)
        self.engine = None

    def is_attached(self, engine: Engine, usage: str | MetricUsage = EpochWise()) -> bool:
        """Attached means: its own COMPLETED handler and all its sources' handlers are there."""
        usage = self._check_usage(usage)
        return super().is_attached(engine, usage) and self._internal_is_attached(engine, usage)

    def _internal_is_attached(self, engine: Engine, usage: MetricUsage) -> bool:
        if engine is None:
            return False
        for metric in itertools.chain(self.args, self.kwargs.values()):
            if isinstance(metric, MetricsLambda):
                if not metric._internal_is_attached(engine, usage):
                    return False
            elif isinstance(metric, Metric):
                if not engine.has_event_handler(metric.started, usage.STARTED):
                    return False
                if not engine.has_event_handler(metric.iteration_completed, usage.ITERATION_COMPLETED):
                    return False
        return True


def _get_value_on_cpu(v: Any) -> Any:
    if isinstance(v, Metric):
        v = v.compute()
    if isinstance(v, torch.Tensor):
        v = v.cpu()
    return v
