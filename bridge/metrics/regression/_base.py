"""What Ignite's regression metrics share (``ignite.metrics.regression._base``).

- the input contract: ``y_pred`` and ``y`` are float16/32/64 tensors of one shape, ``(N,)`` or
  ``(N, 1)`` (``_check_output_shapes``, ``_check_output_types``); ``(N, 1)`` is squeezed;
- ``_BaseRegression``: a ``Metric`` whose ``update`` checks that contract, then hands the
  detached ``(N,)`` tensors to ``_update``, as Ignite's does (user metrics subclass it);
- ``_Accumulated``: the stateful shell of most of them. A metric declares its state once (name
  -> how it accumulates and reduces across processes), a per-batch function returning one
  contribution per state, and a function of the reduced totals; reset, update, reduction and
  ``state_dict`` follow from the declaration. The state names are Ignite's, so a ``state_dict``
  saved by an Ignite metric loads into bridge's and back.

Example:
    >>> import torch
    >>> class SumOfSquares(_Accumulated):
    ...     _states = {"_total": "sum", "_num_examples": "count"}
    ...     def _batch(self, y_pred, y): return (y_pred - y).square().sum(), y.shape[0]
    ...     def _finish(self, total, n): return total.item()
    >>> m = SumOfSquares()
    >>> m.update((torch.tensor([[1.0], [2.0]]), torch.tensor([[0.0], [0.0]])))
    >>> m.compute(), m.state_dict()["__metric_state_per_rank"][0]["_num_examples"]
    (5.0, 2)
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import torch

import bridge.distributed as idist
from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced

__all__: list[str] = []  # private module: Ignite's names, for subclasses and the alias

_FLOATS = (torch.float16, torch.float32, torch.float64)


def _check_output_shapes(output: Sequence[torch.Tensor]) -> None:
    """``ValueError`` unless ``y_pred`` and ``y`` have one shape, ``(N,)`` or ``(N, 1)``.

    Example:
        >>> _check_output_shapes((torch.zeros(3, 1), torch.zeros(3, 1)))
        >>> _check_output_shapes((torch.zeros(3, 2), torch.zeros(3, 2)))
        Traceback (most recent call last):
        ...
        ValueError: Input y_pred should have shape (N,) or (N, 1), but given torch.Size([3, 2])
    """
    y_pred, y = output
    for name, t in (("y_pred", y_pred), ("y", y)):
        if not (t.ndim == 1 or (t.ndim == 2 and t.shape[1] == 1)):
            raise ValueError(f"Input {name} should have shape (N,) or (N, 1), but given {t.shape}")
    if y_pred.shape != y.shape:
        raise ValueError(f"Input data shapes should be the same, but given {y_pred.shape} and {y.shape}")


def _check_output_types(output: Sequence[torch.Tensor]) -> None:
    """``TypeError`` unless ``y_pred`` and ``y`` are float16, float32 or float64 tensors.

    Example:
        >>> _check_output_types((torch.zeros(2), torch.zeros(2, dtype=torch.int64)))
        Traceback (most recent call last):
        ...
        TypeError: Input y dtype should be float 16, 32 or 64, but given torch.int64
    """
    y_pred, y = output
    for name, t in (("y_pred", y_pred), ("y", y)):
        if t.dtype not in _FLOATS:
            raise TypeError(f"Input {name} dtype should be float 16, 32 or 64, but given {t.dtype}")


def _torch_median(values: torch.Tensor) -> float:
    """Median of all the elements; the mean of the two middle ones for an even count (Ignite's).

    Example:
        >>> _torch_median(torch.tensor([4.0, 1.0, 3.0, 2.0])), _torch_median(torch.tensor([[5], [1], [2]]))
        (2.5, 2.0)
    """
    flat = values.reshape(-1)
    if flat.device.type == "mps":  # no kthvalue on MPS
        flat = flat.cpu()
    n = flat.numel()
    upper = torch.kthvalue(flat, n // 2 + 1).values
    if n % 2:
        return float(upper)
    return float((torch.kthvalue(flat, n // 2).values + upper) / 2)


class _BaseRegression(Metric):
    """A regression metric over ``(N,)`` / ``(N, 1)`` float inputs: ``update`` checks them, ``_update`` counts.

    Example:
        >>> import torch
        >>> class Count(_BaseRegression):
        ...     def reset(self): self.n = 0
        ...     def _update(self, output): self.n += output[0].numel()
        ...     def compute(self): return self.n
        >>> c = Count()
        >>> c.update((torch.zeros(3, 1), torch.ones(3, 1)))
        >>> c.compute()
        3
        >>> c.update((torch.zeros(3, 2), torch.ones(3, 2)))
        Traceback (most recent call last):
        ...
        ValueError: Input y_pred should have shape (N,) or (N, 1), but given torch.Size([3, 2])
    """

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        _check_output_shapes(output)
        _check_output_types(output)
        y_pred, y = output[0].detach(), output[1].detach()
        if y_pred.ndim == 2:
            y_pred, y = y_pred.squeeze(dim=-1), y.squeeze(dim=-1)
        self._update((y_pred, y))

    @abstractmethod
    def _update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Accumulate one batch of checked, detached ``(N,)`` tensors."""


# how a state accumulates: "sum" / "double_sum": a 0-d tensor (default float dtype / float64) summed
# over batches and processes; "count": a python int, likewise; "max": a python float, -1 until the
# first update, maximum over batches and processes
_Kind = Literal["sum", "double_sum", "count", "max"]


class _Accumulated(_BaseRegression):
    """A regression metric whose state is a few sums (or a maximum) declared once in ``_states``.

    Subclasses set ``_states`` (Ignite's attribute names, in the order ``_batch`` returns the
    contributions) and write ``_batch(y_pred, y)`` and ``_finish(*totals)``. ``compute`` reduces
    each state across processes without touching the local one (so ``update`` may go on), raises
    ``NotComputableError`` while a "count" is 0 or a "max" unset, then calls ``_finish``.

    Example:
        >>> import torch
        >>> class Biggest(_Accumulated):
        ...     _states = {"_max": "max"}
        ...     def _batch(self, y_pred, y): return (y_pred.max().item(),)
        ...     def _finish(self, top): return top
        >>> m = Biggest()
        >>> m.compute()
        Traceback (most recent call last):
        ...
        bridge.exceptions.NotComputableError: Biggest must have at least one example before it can be computed.
        >>> m.update((torch.tensor([1.0, 3.0]), torch.zeros(2))); m.compute()
        3.0
    """

    _states: ClassVar[dict[str, _Kind]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._state_dict_all_req_keys = tuple(cls._states)

    @reinit__is_reduced
    def reset(self) -> None:
        for name, kind in self._states.items():
            value: Any
            if kind == "count":
                value = 0
            elif kind == "max":
                value = -1.0
            else:
                dtype = self._double_dtype if kind == "double_sum" else None
                value = torch.tensor(0.0, dtype=dtype, device=self._device)
            setattr(self, name, value)

    @abstractmethod
    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[Any, ...]:
        """One batch's contribution to each state, in ``_states`` order."""

    @abstractmethod
    def _finish(self, *totals: Any) -> float:
        """The metric from the reduced states, in ``_states`` order."""

    def _update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        for (name, kind), value in zip(self._states.items(), self._batch(*output)):
            if kind == "count":
                setattr(self, name, getattr(self, name) + value)
            elif kind == "max":
                if value > getattr(self, name):  # as Ignite: a nan never replaces the maximum
                    setattr(self, name, value)
            else:
                getattr(self, name).add_(value.to(self._device))  # in place: the state keeps its dtype

    def compute(self) -> float:
        totals = [getattr(self, name) for name in self._states]
        if idist.get_world_size() > 1:
            totals = [
                idist.all_reduce(t.clone() if isinstance(t, torch.Tensor) else t, op="MAX" if k == "max" else "SUM")
                for t, k in zip(totals, self._states.values())
            ]
        for t, kind in zip(totals, self._states.values()):
            if (kind == "count" and t == 0) or (kind == "max" and t < 0):
                raise NotComputableError(
                    f"{type(self).__name__} must have at least one example before it can be computed."
                )
        return self._finish(*totals)


class _MeanOfTerms(_Accumulated):
    """The mean over all the samples of a per-sample term: a sum and a count (Ignite's ``_num_examples``).

    Subclasses name the two states in ``_states`` and write ``_terms(y_pred, y)``.

    Example:
        >>> import torch
        >>> class MeanPrediction(_MeanOfTerms):
        ...     _states = {"_sum_of_errors": "sum", "_num_examples": "count"}
        ...     def _terms(self, y_pred, y): return y_pred
        >>> m = MeanPrediction()
        >>> m.update((torch.tensor([1.0, 2.0]), torch.zeros(2))); m.update((torch.tensor([6.0]), torch.zeros(1)))
        >>> m.compute()
        3.0
    """

    @abstractmethod
    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One term per sample."""

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int]:
        return self._terms(y_pred, y).sum(), y.shape[0]

    def _finish(self, total: torch.Tensor, n: int) -> float:
        return total.item() / n
