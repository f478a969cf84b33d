"""``VariableAccumulation``, ``Average``, ``GeometricAverage`` (``ignite.metrics.accumulation``).

Example:
    >>> avg = Average()
    >>> for x in (1.0, 2.0, 6.0):
    ...     avg.update(x)
    >>> avg.compute()
    tensor(3., dtype=torch.float64)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["VariableAccumulation", "GeometricAverage", "Average"]


class VariableAccumulation(Metric):
    """Accumulates ``accumulator = op(accumulator, output)`` and counts the samples.

    ``compute`` returns ``(accumulator, num_examples)``. A tensor output of 2+ dimensions counts
    ``output.shape[0]`` samples, anything else one.

    Example:
        >>> import torch
        >>> m = VariableAccumulation(lambda a, x: a + x)
        >>> m.update(torch.tensor(2.0)); m.update(3)
        >>> m.compute()
        (tensor(5., dtype=torch.float64), 2)
    """

    required_output_keys = None
    _state_dict_all_req_keys = ("accumulator", "num_examples")

    def __init__(
        self,
        op: Callable,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(op):
            raise TypeError(f"Argument op should be a callable, but given {type(op)}")
        self._op = op
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self.accumulator = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
        self.num_examples = 0

    def _check_output_type(self, output: Any) -> None:
        if not isinstance(output, (numbers.Number, torch.Tensor)):
            raise TypeError(f"Output should be a number or torch.Tensor, but given {type(output)}")

    @reinit__is_reduced
    def update(self, output: float | torch.Tensor) -> None:
        self._check_output_type(output)
        if isinstance(output, torch.Tensor):
            output = output.detach()
            if not (output.device == self._device and output.dtype == self.accumulator.dtype):
                output = output.to(self.accumulator)
        self.accumulator = self._op(self.accumulator, output)
        if isinstance(output, torch.Tensor):
            self.num_examples += output.shape[0] if len(output.shape) > 1 else 1
        else:
            self.num_examples += 1

    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> Any:
        return self.accumulator, self.num_examples


class Average(VariableAccumulation):
    """Average of the outputs: numbers, 0-d/1-d tensors (one sample each) or batches ``(N, ...)``.

    Example:
        >>> import torch
        >>> avg = Average()
        >>> avg.update(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> avg.compute()
        tensor([2., 3.], dtype=torch.float64)
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        def _mean_op(a: Any, x: Any) -> Any:
            if isinstance(x, torch.Tensor) and x.ndim > 1:
                x = x.sum(dim=0)
            return a + x

        super().__init__(op=_mean_op, output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> float | torch.Tensor:
        if self.num_examples < 1:
            raise NotComputableError(
                f"{self.__class__.__name__} must have at least one example before it can be computed."
            )
        return self.accumulator / self.num_examples


class GeometricAverage(VariableAccumulation):
    """Geometric mean of the outputs (same sample counting as :class:`Average`).

    Example:
        >>> g = GeometricAverage()
        >>> g.update(1.0); g.update(4.0)
        >>> round(g.compute(), 6)
        2.0
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        def _geom_op(a: torch.Tensor, x: Any) -> torch.Tensor:
            if not isinstance(x, torch.Tensor):
                x = torch.tensor(x)
            x = torch.log(x)
            if x.ndim > 1:
                x = x.sum(dim=0)
            return a + x

        super().__init__(op=_geom_op, output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> float | torch.Tensor:
        if self.num_examples < 1:
            raise NotComputableError(
                f"{self.__class__.__name__} must have at least one example before it can be computed."
            )
        tensor = torch.exp(self.accumulator / self.num_examples)
        return tensor.item() if tensor.numel() == 1 else tensor
