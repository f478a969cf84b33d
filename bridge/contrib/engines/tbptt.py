"""Ignite's truncated backpropagation through time trainer: ``create_supervised_tbptt_trainer``.

Same weights, outputs and events as ``ignite.contrib.engines.tbptt`` (checked in
``tests/test_contrib.py``). The update is plain torch (``loss.backward()``,
``optimizer.step()``) exactly as Ignite's; the engine runs inside Lightning like any Engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Optional, Union

import torch

from bridge.engine.engine import Engine
from bridge.engine.events import EventEnum
from bridge.engine.supervised import _prepare_batch
from bridge.utils import apply_to_tensor

__all__ = ["Tbptt_Events", "create_supervised_tbptt_trainer"]


class Tbptt_Events(EventEnum):
    """Events fired around each time chunk of a tbptt iteration.

    Example:
        >>> [e.name for e in Tbptt_Events]
        ['TIME_ITERATION_STARTED', 'TIME_ITERATION_COMPLETED']
    """

    TIME_ITERATION_STARTED = "time_iteration_started"
    TIME_ITERATION_COMPLETED = "time_iteration_completed"


def _detach_hidden(hidden: Any) -> Any:
    # cut the graph between chunks: gradients flow back at most tbtt_step time steps
    return apply_to_tensor(hidden, torch.Tensor.detach)


def create_supervised_tbptt_trainer(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Union[torch.nn.Module, Callable[[Any, Any], torch.Tensor]],
    tbtt_step: int,
    dim: int = 0,
    device: Optional[Union[str, torch.device]] = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
) -> Engine:
    """A trainer that splits each ``(x, y)`` sequence batch into chunks of ``tbtt_step`` along ``dim``.

    For each chunk: ``TIME_ITERATION_STARTED``, forward with the detached hidden state of the
    previous chunk (``model(x_t)`` for the first, ``model(x_t, hidden)`` after; the model returns
    ``(y_pred, hidden)``), loss, backward, optimizer step, ``state.output`` = the chunk's loss,
    ``TIME_ITERATION_COMPLETED``. The iteration's output is the mean chunk loss.

    Example:
        >>> import torch
        >>> class RNN(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.rnn = torch.nn.RNN(1, 4)
        ...         self.out = torch.nn.Linear(4, 1)
        ...     def forward(self, x, h=None):
        ...         y, h = self.rnn(x, h)
        ...         return self.out(y), h
        >>> _ = torch.manual_seed(0)
        >>> model = RNN()
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> trainer = create_supervised_tbptt_trainer(model, opt, torch.nn.functional.mse_loss, tbtt_step=4)
        >>> chunks = []
        >>> _ = trainer.add_event_handler(Tbptt_Events.TIME_ITERATION_COMPLETED, lambda e: chunks.append(e.state.output))
        >>> x = torch.randn(10, 2, 1)   # (time, batch, features)
        >>> state = trainer.run([(x, x.cumsum(0))])
        >>> len(chunks), abs(state.output - sum(chunks) / 3) < 1e-12
        (3, True)
    """
    if not isinstance(tbtt_step, int) or isinstance(tbtt_step, bool) or tbtt_step < 1:
        raise ValueError(f"Argument tbtt_step should be a positive integer, but given {tbtt_step!r}")

    def _update(engine: Engine, batch: Sequence[torch.Tensor]) -> float:
        losses = []
        hidden = None
        x, y = batch
        for batch_t in zip(x.split(tbtt_step, dim=dim), y.split(tbtt_step, dim=dim)):
            x_t, y_t = prepare_batch(batch_t, device=device, non_blocking=non_blocking)
            engine.fire_event(Tbptt_Events.TIME_ITERATION_STARTED)
            model.train()
            optimizer.zero_grad()
            if hidden is None:
                y_pred_t, hidden = model(x_t)
            else:
                y_pred_t, hidden = model(x_t, _detach_hidden(hidden))
            loss_t = loss_fn(y_pred_t, y_t)
            loss_t.backward()
            optimizer.step()
            # handlers of TIME_ITERATION_COMPLETED see this chunk's loss, as in Ignite
            engine.state.output = loss_t.item()
            losses.append(loss_t.item())
            engine.fire_event(Tbptt_Events.TIME_ITERATION_COMPLETED)
        return sum(losses) / len(losses)

    engine = Engine(_update)
    engine.register_events(*Tbptt_Events)
    return engine
