"""Ignite's supervised helpers: ``create_supervised_trainer`` / ``create_supervised_evaluator``.

Same arguments and results as Ignite 0.5. The trainer registers the model and optimizer
with its Engine, so Lightning manages them: the backward pass and the optimizer step go
through Lightning (``engine.manual_backward``, the wrapped optimizer), which fires
:class:`~bridge.engine.events.BackpropEvents` and applies Lightning's precision plugin
for ``amp_mode="amp"``.

Why one file past 400 lines: it is Ignite's ``ignite.engine`` helpers of one concept, a supervised
step and the engine around it; the amp, apex and TPU variants repeat Ignite's public signatures
over one shared implementation.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

import torch

from bridge.engine.deterministic import DeterministicEngine
from bridge.engine.engine import Engine
from bridge.utils import convert_tensor

if TYPE_CHECKING:
    import pytorch_lightning as pl

__all__ = [
    "create_supervised_evaluator",
    "create_supervised_trainer",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "supervised_training_step",
    "supervised_training_step_amp",
    "supervised_training_step_apex",
    "supervised_training_step_tpu",
]

Device = Optional[Union[str, torch.device]]


def _prepare_batch(batch: Sequence[Any], device: Device = None, non_blocking: bool = False) -> tuple[Any, Any]:
    """``(x, y)`` moved to ``device``: Ignite's default ``prepare_batch``."""
    x, y = batch
    return convert_tensor(x, device=device, non_blocking=non_blocking), convert_tensor(y, device=device, non_blocking=non_blocking)


# Ignite's default transforms, as named functions: the step objects pickle (ddp_spawn).
def _model_output(output: Any) -> Any:
    return output


def _loss_item(x: Any, y: Any, y_pred: Any, loss: torch.Tensor) -> float:
    return loss.item()


def _call_model(model: torch.nn.Module, x: Any) -> Any:
    return model(x)


def _prediction_and_target(x: Any, y: Any, y_pred: Any) -> tuple[Any, Any]:
    return y_pred, y


def _check_accumulation(gradient_accumulation_steps: int) -> None:
    if gradient_accumulation_steps <= 0:
        raise ValueError(
            "Gradient_accumulation_steps must be strictly positive. "
            "No gradient accumulation if the value set to one (default)."
        )


class _Backprop:
    """Backward and step through Lightning when it manages ``optimizer`` in this run, else plain torch.

    The Lightning-wrapped optimizer is looked up once per run, not per iteration. The look-up
    is held by weak references: the run's driver and wrapped optimizer refer to the engine,
    which holds this step, and the cycle would outlive the user's last reference.
    """

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self.optimizer = optimizer
        self._link: Optional[weakref.ref[Any]] = None
        self._wrapped: Optional[weakref.ref[Any]] = None

    def __getstate__(self) -> dict[str, Any]:
        # the look-up of a past run is not carried into new processes (ddp_spawn)
        return {**self.__dict__, "_link": None, "_wrapped": None}

    def optimizer_for(self, engine: Engine) -> Any:
        driver = engine._driver
        if driver is None:
            self._link = self._wrapped = None
            return self.optimizer
        if self._link is None or self._link() is not driver:
            self._link = weakref.ref(driver)
            wrapped = [o for o in engine.optimizers if o.optimizer is self.optimizer]
            self._wrapped = weakref.ref(wrapped[0]) if wrapped else None
        step = self._wrapped() if self._wrapped is not None else None
        return step if step is not None else self.optimizer

    def backward(self, engine: Engine, loss: torch.Tensor) -> None:
        if self._wrapped is not None:
            engine.manual_backward(loss)
        else:
            loss.backward()


def supervised_training_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Union[Callable[[Any, Any], torch.Tensor], torch.nn.Module],
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> Callable[[Engine, Any], Any]:
    """Ignite's supervised update function: forward, loss, backward, step (every N iterations).

    When Lightning manages ``optimizer`` in the run (``Engine(..., optimizers=optimizer)``,
    as :func:`create_supervised_trainer` does), backward and step go through Lightning and
    fire BackpropEvents; otherwise they are plain torch calls, exactly as in Ignite.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> model = torch.nn.Linear(1, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> update = supervised_training_step(model, optimizer, torch.nn.functional.mse_loss)
        >>> x = torch.ones(4, 1)
        >>> loss = Engine(update).run([(x, 3 * x)] * 50).output
        >>> loss < 1e-3
        True
    """
    _check_accumulation(gradient_accumulation_steps)
    return _TrainingStep(model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform,
                         output_transform, gradient_accumulation_steps, model_fn)  # fmt: skip


class _TrainingStep:
    """:func:`supervised_training_step`'s update function, an object so that it pickles (``ddp_spawn``)."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss_fn: Callable[[Any, Any], torch.Tensor],
                 device: Device, non_blocking: bool, prepare_batch: Callable, model_transform: Callable[[Any], Any],
                 output_transform: Callable[[Any, Any, Any, torch.Tensor], Any], gradient_accumulation_steps: int,
                 model_fn: Callable[[torch.nn.Module, Any], Any], autocast: bool = False,
                 scaler: Optional[torch.amp.GradScaler] = None) -> None:  # fmt: skip
        self.model, self.loss_fn, self.device, self.non_blocking = model, loss_fn, device, non_blocking
        self.prepare_batch, self.model_transform, self.output_transform = prepare_batch, model_transform, output_transform
        self.accumulation, self.model_fn = gradient_accumulation_steps, model_fn
        self.backprop = _Backprop(optimizer)
        #: Ignite's supervised_training_step_amp: the forward under CUDA autocast, the backward scaled
        self.autocast, self.scaler = autocast, scaler

    def __call__(self, engine: Engine, batch: Sequence[torch.Tensor]) -> Any:
        accumulation, model = self.accumulation, self.model
        step = self.backprop.optimizer_for(engine)
        if (engine.state.iteration - 1) % accumulation == 0:
            step.zero_grad()
        model.train()
        x, y = self.prepare_batch(batch, device=self.device, non_blocking=self.non_blocking)
        if self.autocast:
            with torch.autocast("cuda"):
                output, y_pred, loss = self._forward(x, y)
        else:
            output, y_pred, loss = self._forward(x, y)
        if self.scaler:
            self.scaler.scale(loss).backward()
            if engine.state.iteration % accumulation == 0:
                self.scaler.step(self.backprop.optimizer)
                self.scaler.update()
        else:
            self.backprop.backward(engine, loss)
            if engine.state.iteration % accumulation == 0:
                step.step()
        return self.output_transform(x, y, y_pred, loss * accumulation)

    def _forward(self, x: Any, y: Any) -> tuple[Any, Any, torch.Tensor]:
        output = self.model_fn(self.model, x)
        y_pred = self.model_transform(output)
        loss = self.loss_fn(y_pred, y)
        return output, y_pred, loss / self.accumulation if self.accumulation > 1 else loss


def supervised_training_step_amp(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Union[Callable[[Any, Any], torch.Tensor], torch.nn.Module],
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    scaler: Optional[torch.amp.GradScaler] = None,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> Callable[[Engine, Any], Any]:
    """Ignite's update function with the forward under CUDA autocast and, given ``scaler``, a scaled backward.

    The step runs on the user's own objects, as Ignite's does. To have Lightning's precision
    plugin do it, use ``create_supervised_trainer(..., amp_mode="amp")`` or
    ``Engine(..., trainer_kwargs={"precision": "16-mixed"})``.

    Example:
        >>> import warnings
        >>> model = torch.nn.Linear(1, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> update = supervised_training_step_amp(model, optimizer, torch.nn.functional.mse_loss)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # no CUDA here: autocast disables itself
        ...     loss = Engine(update).run([(torch.ones(4, 1), 3 * torch.ones(4, 1))] * 50).output
        >>> loss < 1e-3
        True
    """
    _check_accumulation(gradient_accumulation_steps)
    return _TrainingStep(model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform,
                         output_transform, gradient_accumulation_steps, model_fn, autocast=True,
                         scaler=scaler)  # fmt: skip


def supervised_training_step_apex(*args: Any, **kwargs: Any) -> Callable[[Engine, Any], Any]:
    """Ignite's NVIDIA-apex update function: bridge has none (apex's amp is superseded by torch's).

    Raises Ignite's error when apex is missing; with apex installed, says what to use instead.

    Example:
        >>> supervised_training_step_apex(None, None, None)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ModuleNotFoundError: Please install apex from https://github.com/nvidia/apex to use amp_mode='apex'.
    """
    try:
        import apex  # noqa: F401
    except ModuleNotFoundError:
        raise ModuleNotFoundError("Please install apex from https://github.com/nvidia/apex to use amp_mode='apex'.") from None
    raise NotImplementedError(
        "bridge runs mixed precision through torch.amp: use supervised_training_step_amp, or "
        "create_supervised_trainer(..., amp_mode='amp') for Lightning's '16-mixed' precision plugin."
    )


def supervised_training_step_tpu(*args: Any, **kwargs: Any) -> Callable[[Engine, Any], Any]:
    """Ignite's TPU (torch_xla) update function: bridge runs on Lightning's accelerators without XLA.

    Example:
        >>> supervised_training_step_tpu(None, None, None)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ModuleNotFoundError: torch_xla cannot be imported, please install PyTorch XLA.
    """
    try:
        import torch_xla  # noqa: F401
    except ModuleNotFoundError:
        raise ModuleNotFoundError("torch_xla cannot be imported, please install PyTorch XLA.") from None
    raise NotImplementedError("bridge does not run on XLA devices (bridge.distributed.has_xla_support is False).")


def supervised_evaluation_step_amp(
    model: torch.nn.Module,
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> Callable[[Engine, Any], Any]:
    """Ignite's evaluation function with the forward under CUDA autocast.

    Example:
        >>> import warnings
        >>> evaluate = supervised_evaluation_step_amp(torch.nn.Linear(2, 1))
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     y_pred, y = Engine(evaluate).run([(torch.ones(3, 2), torch.zeros(3, 1))]).output
        >>> y_pred.shape
        torch.Size([3, 1])
    """
    return _EvaluationStep(model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn,
                           autocast=True)  # fmt: skip


def _check_arg(
    on_tpu: bool, on_mps: bool, amp_mode: Optional[str], scaler: Union[bool, torch.amp.GradScaler, None]
) -> tuple[Optional[str], Optional[torch.amp.GradScaler]]:
    """Ignite's check of the device / ``amp_mode`` / ``scaler`` combination: ``(amp_mode, scaler)`` to use.

    ``scaler=True`` with ``amp_mode="amp"`` makes a new ``GradScaler``. Clients import it from
    ``ignite.engine``.

    Example:
        >>> _check_arg(False, False, "amp", None), _check_arg(False, False, None, None)
        (('amp', None), (None, None))
    """
    if on_mps and amp_mode:
        raise ValueError("amp_mode cannot be used with mps device. Consider using amp_mode=None or device='cuda'.")
    if on_tpu:
        raise RuntimeError("In order to run on TPU, please install PyTorch XLA")  # bridge has no XLA support
    if scaler and amp_mode != "amp":
        raise ValueError(f"scaler argument is {scaler}, but amp_mode is {amp_mode}. Consider using amp_mode='amp'.")
    if scaler:
        return amp_mode, torch.amp.GradScaler(enabled=True) if isinstance(scaler, bool) else scaler
    return amp_mode, None


def _precision_options(device: Device, amp_mode: Optional[str], scaler: Any) -> tuple[dict[str, Any], Any]:
    """Ignite's ``amp_mode`` / ``scaler`` as Lightning options, and the scaler to expose in the state."""
    device_type = device.type if isinstance(device, torch.device) else device
    if device_type is not None and "xla" in device_type:
        raise ValueError("bridge runs on Lightning's accelerators: XLA devices are not supported (device='xla').")
    if device_type is not None and "mps" in device_type and amp_mode:
        raise ValueError("amp_mode cannot be used with mps device. Consider using amp_mode=None or device='cuda'.")
    if amp_mode not in (None, "amp"):
        raise ValueError(f"amp_mode={amp_mode!r} is not supported: use amp_mode='amp' (Lightning's '16-mixed') or None.")
    if scaler and amp_mode != "amp":
        raise ValueError(f"scaler argument is {scaler}, but amp_mode is {amp_mode}. Consider using amp_mode='amp'.")
    if amp_mode is None:
        return {}, None
    # Lightning's fp16 autocast always scales the loss; the runner hands it this GradScaler
    grad_scaler = scaler if isinstance(scaler, torch.amp.GradScaler) else torch.amp.GradScaler("cuda")
    return {"precision": "16-mixed", "grad_scaler": grad_scaler}, grad_scaler


def _with_users_options(options: dict[str, Any], trainer_kwargs: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    # what Ignite's arguments ask of Lightning, then the user's own options: a clash is an error
    users = dict(trainer_kwargs or {})
    clash = sorted(k for k in options if k in users and users[k] != options[k])
    if clash:
        raise ValueError(
            f"trainer_kwargs {clash} contradict what create_supervised_trainer's own arguments (amp_mode, scaler) "
            f"set: {dict((k, options[k]) for k in clash)}. Pass one or the other."
        )
    return {**options, **users}


def create_supervised_trainer(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Union[Callable[[Any, Any], torch.Tensor], torch.nn.Module],
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    deterministic: bool = False,
    amp_mode: Optional[str] = None,
    scaler: Union[bool, torch.amp.GradScaler] = False,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    *,
    trainer_kwargs: Optional[Mapping[str, Any]] = None,
    callbacks: Optional[Iterable[pl.Callback]] = None,
    runner: str = "trainer",
) -> Engine:
    """Ignite's supervised trainer, run by Lightning, firing BackpropEvents.

    Arguments and ``state.output`` are Ignite's. Lightning manages the model and the
    optimizer: ``amp_mode="amp"`` becomes Lightning's ``"16-mixed"`` precision plugin
    (with ``scaler`` as its GradScaler, also in ``trainer.state.scaler``). With
    ``deterministic=True`` the trainer is a :class:`~bridge.engine.deterministic.DeterministicEngine`,
    as in Ignite (Lightning's own strict ``deterministic`` option is ``trainer_kwargs``'s to set).
    ``trainer_kwargs``, ``callbacks`` and ``runner`` are the Engine's (e.g.
    ``trainer_kwargs={"strategy": "ddp", "devices": 2}``).

    Example:
        >>> import torch
        >>> from bridge.engine import BackpropEvents
        >>> model = torch.nn.Linear(1, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss)
        >>> x = torch.ones(4, 1)
        >>> state = trainer.run([(x, 3 * x)] * 50)
        >>> state.output < 1e-3, state.optim_step_completed
        (True, 50)
    """
    _check_accumulation(gradient_accumulation_steps)
    options, grad_scaler = _precision_options(device, amp_mode, scaler)
    options = _with_users_options(options, trainer_kwargs)
    update = supervised_training_step(
        model,
        optimizer,
        loss_fn,
        device,
        non_blocking,
        prepare_batch,
        model_transform,
        output_transform,
        gradient_accumulation_steps,
        model_fn,
    )
    # Ignite's DeterministicEngine, not Lightning's deterministic=True: that one raises where Ignite's
    # engine only warns (a CUDA op without a deterministic version), and the Fabric runner has no such option
    engine_class = DeterministicEngine if deterministic else Engine
    trainer = engine_class(update, model=model, optimizers=optimizer, trainer_kwargs=options, callbacks=callbacks,
                           runner=runner)  # fmt: skip
    if grad_scaler is not None and isinstance(scaler, bool):
        trainer.state.scaler = grad_scaler  # type: ignore[attr-defined]  # as Ignite: the scaler it created
    return trainer


def supervised_evaluation_step(
    model: torch.nn.Module,
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> Callable[[Engine, Any], Any]:
    """Ignite's supervised evaluation function: eval mode, no gradients, ``(y_pred, y)``.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> model = torch.nn.Linear(2, 1)
        >>> y_pred, y = Engine(supervised_evaluation_step(model)).run([(torch.ones(3, 2), torch.zeros(3, 1))]).output
        >>> y_pred.shape, y_pred.requires_grad
        (torch.Size([3, 1]), False)
    """

    return _EvaluationStep(model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn)


class _EvaluationStep:
    """:func:`supervised_evaluation_step`'s function, an object so that it pickles (``ddp_spawn``).

    With ``autocast``, the step runs under CUDA autocast (Ignite's ``amp_mode="amp"``).
    """

    def __init__(self, model: torch.nn.Module, device: Device, non_blocking: bool, prepare_batch: Callable,
                 model_transform: Callable[[Any], Any], output_transform: Callable[[Any, Any, Any], Any],
                 model_fn: Callable[[torch.nn.Module, Any], Any], autocast: bool = False) -> None:  # fmt: skip
        self.model, self.device, self.non_blocking, self.prepare_batch = model, device, non_blocking, prepare_batch
        self.model_transform, self.output_transform, self.model_fn = model_transform, output_transform, model_fn
        self.autocast = autocast

    def __call__(self, engine: Engine, batch: Sequence[torch.Tensor]) -> Any:
        if self.autocast:
            with torch.autocast("cuda"):
                return self._evaluate(batch)
        return self._evaluate(batch)

    def _evaluate(self, batch: Sequence[torch.Tensor]) -> Any:
        self.model.eval()
        with torch.no_grad():
            x, y = self.prepare_batch(batch, device=self.device, non_blocking=self.non_blocking)
            output = self.model_fn(self.model, x)
            y_pred = self.model_transform(output)
            return self.output_transform(x, y, y_pred)


def create_supervised_evaluator(
    model: torch.nn.Module,
    metrics: Optional[Mapping[str, Any]] = None,
    device: Device = None,
    non_blocking: bool = False,
    prepare_batch: Callable = _prepare_batch,
    model_transform: Callable[[Any], Any] = _model_output,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    amp_mode: Optional[str] = None,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    *,
    trainer_kwargs: Optional[Mapping[str, Any]] = None,
    callbacks: Optional[Iterable[pl.Callback]] = None,
    runner: str = "trainer",
) -> Engine:
    """Ignite's supervised evaluator; each metric in ``metrics`` is attached under its name.

    The model is not registered with the evaluator's Trainer, so evaluating in the middle
    of a training run leaves its placement alone. ``amp_mode="amp"`` runs the model under
    CUDA autocast, as Ignite does. ``trainer_kwargs``, ``callbacks`` and ``runner`` are the
    Engine's (under ``strategy="ddp"`` each rank evaluates its shard; metrics are global).

    Example:
        >>> import torch
        >>> from bridge.engine import Events
        >>> model = torch.nn.Linear(2, 1)
        >>> evaluator = create_supervised_evaluator(model)
        >>> seen = []
        >>> _ = evaluator.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output[1].sum().item()))
        >>> _ = evaluator.run([(torch.ones(3, 2), torch.ones(3, 1))] * 2)
        >>> seen
        [3.0, 3.0]
    """
    _precision_options(device, amp_mode, None)
    evaluate_step = _EvaluationStep(model, device, non_blocking, prepare_batch, model_transform, output_transform,
                                    model_fn, autocast=amp_mode == "amp")  # fmt: skip
    evaluator = Engine(evaluate_step, trainer_kwargs=trainer_kwargs, callbacks=callbacks, runner=runner)
    for name, metric in (metrics or {}).items():
        metric.attach(evaluator, name)
    return evaluator
