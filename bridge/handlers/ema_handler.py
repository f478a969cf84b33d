"""Ignite's ``EMAHandler``: an exponential moving average of a model's weights (``ignite.handlers.ema_handler``).

At each event, every parameter of ``ema_model`` becomes ``(1 - m) * ema + m * online`` with the
momentum ``m`` read from ``engine.state.<name>``; an optional linear warmup moves ``m`` from
``momentum_warmup`` to ``momentum`` over the first ``warmup_iters`` updates. Same values, warnings
and errors as Ignite 0.5.5 (``tests/test_handlers_ema_lr_finder.py``), with two deliberate
differences: the warmup writes the momentum under the ``name`` given to ``attach`` (Ignite always
writes ``ema_momentum``, so a renamed handler never warmed up), and the EMA model follows the online
model to the device Lightning put it on.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> _ = torch.nn.init.zeros_(model.weight)
    >>> ema = EMAHandler(model, momentum=0.5)
    >>> def step(engine, batch):
    ...     with torch.no_grad():
    ...         model.weight.add_(1.0)
    >>> engine = Engine(step)
    >>> ema.attach(engine)
    >>> _ = engine.run([0, 0])
    >>> ema.ema_model.weight.item()  # 0.5 * (0 + 1), then 0.5 * (0.5 + 2)
    1.25
"""

from __future__ import annotations

import warnings
from copy import deepcopy
from typing import Any

import torch
from torch import nn

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.state_param_scheduler import LambdaStateScheduler

__all__ = ["EMAHandler"]

_BUFFER_MODES = ("copy", "update", "ema_train")


class EMAWarmUp:
    """The warmup momentum of the ``event_index``-th update: linear from ``momentum_warmup`` to ``momentum``.

    It reaches ``momentum`` at update ``warmup_iters`` and stays there (a class, not a closure, so the
    handler pickles for ``ddp_spawn``).

    Example:
        >>> warmup = EMAWarmUp(momentum_warmup=0.5, warmup_iters=3, momentum=0.1)
        >>> [round(warmup(i), 6) for i in (1, 2, 3, 4)]
        [0.5, 0.3, 0.1, 0.1]
    """

    def __init__(self, momentum_warmup: float, warmup_iters: int, momentum: float) -> None:
        self.momentum_warmup = momentum_warmup
        self.warmup_iters = warmup_iters
        self.momentum = momentum

    def __call__(self, event_index: int) -> float:
        # Ignite's order of operations, so that the momenta are the same floats
        value = self.momentum_warmup + (self.momentum - self.momentum_warmup) * (event_index - 1) / max(
            1, self.warmup_iters - 1
        )
        # clamp at the target, whichever side of it the warmup starts from
        if self.momentum >= self.momentum_warmup:
            return min(self.momentum, value)
        return max(self.momentum, value)


class EMAHandler:
    """Keeps ``ema_model``, an exponential moving average of ``model``, updated at an event.

    Args:
        model: the online model. A ``DistributedDataParallel`` is unwrapped (its ``.module`` is
            tracked); a ``DataParallel`` is kept, and ``ema_model`` is then a ``DataParallel`` too.
        momentum: the weight of the online model in each update after the warmup, in ``(0, 1)``.
        momentum_warmup: the momentum of the first update; with ``warmup_iters``, the momentum moves
            linearly from it to ``momentum`` over ``warmup_iters`` updates (both are needed, as in Ignite).
        warmup_iters: the number of warmup updates.
        handle_buffers: ``"copy"`` (the EMA model's buffers are the online model's), ``"update"``
            (floating buffers are averaged too, others copied) or ``"ema_train"`` (buffers left alone,
            ``ema_model`` in train mode so its own forward passes update them). With ``"copy"`` and
            ``"update"`` the EMA model is in eval mode.

    Attributes:
        ema_model: the averaged model (a deep copy of ``model`` whose parameters need no grad).
        model: the online model tracked.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
        >>> ema = EMAHandler(model, momentum=0.01, momentum_warmup=0.1, warmup_iters=3)
        >>> engine = Engine(lambda e, batch: model(batch))
        >>> ema.attach(engine)
        >>> seen = []
        >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(round(e.state.ema_momentum, 3)))
        >>> _ = engine.run([torch.randn(4, 2)] * 4)
        >>> seen, ema.ema_model.training
        ([0.1, 0.055, 0.01, 0.01], False)
        >>> bool(torch.equal(ema.ema_model[1].running_mean, model[1].running_mean))  # "copy"
        True
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        momentum_warmup: float | None = None,
        warmup_iters: int | None = None,
        handle_buffers: str = "copy",
    ) -> None:
        if not 0 < momentum < 1:
            raise ValueError(f"Invalid momentum: {momentum} (momentum should be in (0, 1))")
        if not isinstance(model, nn.Module):
            raise ValueError(
                f"model should be an instance of nn.Module or its subclasses, but got model: {type(model).__name__}"
            )
        if handle_buffers not in _BUFFER_MODES:
            raise ValueError(
                f"handle_buffers can only be one of 'copy', 'update', 'ema_train', but got {handle_buffers}"
            )
        self.momentum = momentum
        self._momentum_lambda_obj: EMAWarmUp | None = None
        if momentum_warmup is not None and warmup_iters is not None:
            self._momentum_lambda_obj = EMAWarmUp(momentum_warmup, warmup_iters, momentum)
        self.momentum_scheduler: LambdaStateScheduler | None = None

        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        self.model = model
        self.ema_model = deepcopy(model)
        for param in self.ema_model.parameters():
            param.detach_()
        self.handle_buffers = handle_buffers
        self.ema_model.train(handle_buffers == "ema_train")

    def _follow_device(self) -> None:
        # Lightning may place the registered online model on another accelerator than the one it was
        # built on (trainer_kwargs={"accelerator": "gpu"}); the average lives where the model does.
        online = next(self.model.parameters(), None)
        average = next(self.ema_model.parameters(), None)
        if online is not None and average is not None and online.device != average.device:
            self.ema_model.to(online.device)

    def _update_ema_model(self, engine: Engine, name: str) -> None:
        """Average the parameters with momentum ``engine.state.<name>``, then handle the buffers."""
        momentum = getattr(engine.state, name)
        self._follow_device()
        with torch.no_grad():
            for ema_p, model_p in zip(self.ema_model.parameters(), self.model.parameters()):
                ema_p.mul_(1.0 - momentum).add_(model_p.data, alpha=momentum)
            if self.handle_buffers == "ema_train":
                return
            for ema_b, model_b in zip(self.ema_model.buffers(), self.model.buffers()):
                if self.handle_buffers == "update" and (ema_b.is_floating_point() or ema_b.is_complex()):
                    ema_b.mul_(1.0 - momentum).add_(model_b.data, alpha=momentum)
                else:
                    # Ignite shares the storage rather than copying: the EMA model's buffers then follow
                    # the online model's in-place updates (BatchNorm statistics) between two updates too
                    ema_b.data = model_b.data

    def attach(self, engine: Engine, name: str = "ema_momentum", warn_if_exists: bool = True,
               event: Any = Events.ITERATION_COMPLETED) -> None:  # fmt: skip
        """Update the momentum (with a warmup) and ``ema_model`` at ``event`` (filters and lists too).

        ``engine.state.<name>`` holds the current momentum; it is set to ``momentum`` unless it
        already exists (a resumed engine state, or another handler's: then a warning unless
        ``warn_if_exists=False``). Give each EMA handler of an engine its own ``name``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> EMAHandler(torch.nn.Linear(1, 1), momentum=0.3).attach(engine, "gen_momentum", event=Events.EPOCH_COMPLETED)
            >>> engine.state.gen_momentum
            0.3
        """
        if hasattr(engine.state, name):
            if warn_if_exists:
                warnings.warn(
                    f"Attribute '{name}' already exists in Engine.state. It might be because 1. the engine has "
                    f"loaded its state dict or 2. {name} is already created by other handlers. Turn off this "
                    "warning by setting warn_if_exists to False.",
                    category=UserWarning,
                    stacklevel=2,
                )
        else:
            setattr(engine.state, name, self.momentum)
        if self._momentum_lambda_obj is not None:
            # registered first: at each event the momentum moves, then the model is averaged with it
            self.momentum_scheduler = LambdaStateScheduler(self._momentum_lambda_obj, param_name=name)
            self.momentum_scheduler.attach(engine, event)
        engine.add_event_handler(event, self._update_ema_model, name)
