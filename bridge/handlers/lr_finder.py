"""Ignite's ``FastaiLRFinder``: the learning-rate range test (``ignite.handlers.lr_finder``).

Inside ``with finder.attach(trainer, to_save) as t: t.run(data)`` the learning rate grows from
``start_lr`` to ``end_lr`` (exponentially or linearly) while the finder records the smoothed loss
of each iteration, stopping the run when the loss diverges. On leaving the block the model, the
optimizer (everything in ``to_save``) and the trainer's state are restored and the finder's
handlers removed; :meth:`FastaiLRFinder.lr_suggestion` and :meth:`FastaiLRFinder.plot` read the
recorded curve. Same lr and loss histories, suggestion, warnings and errors as Ignite 0.5.5
(``tests/test_handlers_ema_lr_finder.py``); unlike Ignite, the restore also happens when the block
raises.

Why one file past 400 lines: it is Ignite's module of this path and holds one handler, whose run,
schedule, results and plot all read the same recorded history.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Linear(1, 1)
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    >>> def step(engine, batch):
    ...     optimizer.zero_grad()
    ...     loss = (model(batch) - 1.0).pow(2).mean()
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss.item()
    >>> trainer = Engine(step)
    >>> finder = FastaiLRFinder()
    >>> before = model.weight.clone()
    >>> with finder.attach(trainer, {"model": model, "optimizer": optimizer}, num_iter=30) as t:
    ...     _ = t.run([torch.ones(4, 1)] * 50)
    >>> diverged_early = len(finder.get_results()["lr"]) < 30
    >>> diverged_early, bool(torch.equal(model.weight, before)), trainer.state.iteration
    (True, True, 0)
    >>> 0.1 < finder.lr_suggestion() < 1.0
    True
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping
from math import ceil
from typing import Any, Union

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler as PyTorchLRScheduler

import bridge.distributed as idist
from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.checkpoint import Checkpoint
from bridge.handlers.param_scheduler import LRScheduler, ParamGroupScheduler, PiecewiseLinear
from bridge.utils import _identity

__all__ = ["FastaiLRFinder"]

LRs = Union[float, list[float]]


class _ExponentialLR(PyTorchLRScheduler):
    """A torch scheduler whose lr goes geometrically from ``start_lrs`` to ``end_lrs`` in ``num_iter`` steps.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> scheduler = _ExponentialLR(opt, start_lrs=[0.01], end_lrs=[1.0], num_iter=2)
        >>> [round(lr, 6) for lr in scheduler.get_lr()]  # one step of two: halfway, geometrically
        [0.1]
    """

    def __init__(self, optimizer: Optimizer, start_lrs: list[float], end_lrs: list[float], num_iter: int,
                 last_epoch: int = -1) -> None:  # fmt: skip
        self.end_lrs = end_lrs
        self.num_iter = num_iter
        super().__init__(optimizer, last_epoch)
        # torch's constructor takes the optimizer's lrs as the start: the range test starts at start_lrs
        self.base_lrs = list(start_lrs)

    def get_lr(self) -> list[float | torch.Tensor]:
        fraction = (self.last_epoch + 1) / self.num_iter
        return [start * (end / start) ** fraction for start, end in zip(self.base_lrs, self.end_lrs)]


def _loss_value(loss: Any) -> Any:
    if isinstance(loss, float):
        return loss
    if isinstance(loss, torch.Tensor):
        if loss.ndimension() == 0 or (loss.ndimension() == 1 and len(loss) == 1):
            return loss.item()
        raise ValueError(
            "if output of the engine is torch.Tensor, then it must be 0d torch.Tensor or 1d torch.Tensor "
            f"with 1 element, but got torch.Tensor of shape {loss.shape}."
        )
    raise TypeError(
        "output of the engine should be of type float or 0d torch.Tensor or 1d torch.Tensor with 1 element, "
        f"but got output of type {type(loss).__name__}. You may wish to use the output_transform argument of "
        "attach, e.g. lr_finder.attach(trainer, to_save, output_transform=lambda out: out['train_loss'])"
    )


def _per_group(value: Any, name: str, optimizer: Optimizer) -> list[float]:
    n_groups = len(optimizer.param_groups)
    if isinstance(value, float):
        return [value] * n_groups
    if isinstance(value, list):
        if len(value) != n_groups:
            raise ValueError(
                f"Number of values of {name} should be equal to optimizer values. "
                f"{name} values:{len(value)} optimizer values: {n_groups}"
            )
        return value
    raise TypeError(f"{name} should be a float or list of floats, but given {type(value)}")


class FastaiLRFinder:
    """The learning-rate range test of fastai (Smith, *Cyclical Learning Rates*, arXiv:1506.01186).

    Every handler already on the trainer runs during the test too. After the ``with`` block,
    :meth:`get_results` gives ``{"lr": [...], "loss": [...]}`` (the loss smoothed), and
    :meth:`lr_suggestion` the lr where the loss fell fastest.

    Example:
        >>> finder = FastaiLRFinder()
        >>> finder._history = {"lr": [0.1, 0.2, 0.3, 0.4, 0.5], "loss": [5.0, 4.8, 4.0, 1.0, 9.0]}
        >>> finder.lr_suggestion()
        0.3
        >>> finder.get_results()["loss"][-1]
        9.0
    """

    _lr_schedule: Union[LRScheduler, PiecewiseLinear, ParamGroupScheduler]

    def __init__(self) -> None:
        self._diverge_flag = False
        self._history: dict[str, list[Any]] = {}
        self._best_loss: Any = None
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)

    # ------------------------------------------------------------------ the run, as event handlers

    def _run(self, trainer: Engine, optimizer: Optimizer, output_transform: Callable, num_iter: int | None,
             start_lrs: list[float], end_lrs: list[float], step_mode: str, smooth_f: float,
             diverge_th: float) -> None:  # fmt: skip
        """At STARTED: a fresh history, the iteration budget, the lr schedule and the recording handlers."""
        self._history = {"lr": [], "loss": []}
        self._best_loss = None
        self._diverge_flag = False
        state = trainer.state
        if state.epoch_length is None or state.max_epochs is None:
            raise AssertionError(
                "FastaiLRFinder needs the run's length at STARTED: give the data a length or pass epoch_length to run"
            )
        planned = state.epoch_length * state.max_epochs
        if num_iter is None:
            num_iter = planned
        elif num_iter > planned:
            # lengthen the run so that the schedule reaches end_lr
            state.max_iters = num_iter
            state.max_epochs = ceil(num_iter / state.epoch_length)

        if not trainer.has_event_handler(self._reached_num_iterations):
            trainer.add_event_handler(Events.ITERATION_COMPLETED, self._reached_num_iterations, num_iter)
        if not trainer.has_event_handler(self._log_lr_and_loss):
            trainer.add_event_handler(
                Events.ITERATION_COMPLETED, self._log_lr_and_loss, output_transform, smooth_f, diverge_th
            )
        self.logger.debug(f"Running LR finder for {num_iter} iterations")

        if step_mode.lower() == "exp":
            self._lr_schedule = LRScheduler(_ExponentialLR(optimizer, start_lrs, end_lrs, num_iter))
        elif len(start_lrs) == 1:
            self._lr_schedule = PiecewiseLinear(optimizer, "lr", [(0, start_lrs[0]), (num_iter, end_lrs[0])])
        else:
            self._lr_schedule = ParamGroupScheduler([
                PiecewiseLinear(optimizer, "lr", [(0, start), (num_iter, end)], param_group_index=i)
                for i, (start, end) in enumerate(zip(start_lrs, end_lrs))
            ])  # fmt: skip
        if not trainer.has_event_handler(self._lr_schedule):
            trainer.add_event_handler(Events.ITERATION_COMPLETED, self._lr_schedule)

    def _reset(self, trainer: Engine) -> None:
        """At COMPLETED: remove the per-iteration handlers of this run."""
        self.logger.debug("Completed LR finder run")
        trainer.remove_event_handler(self._lr_schedule, Events.ITERATION_COMPLETED)
        trainer.remove_event_handler(self._log_lr_and_loss, Events.ITERATION_COMPLETED)
        trainer.remove_event_handler(self._reached_num_iterations, Events.ITERATION_COMPLETED)

    def _log_lr_and_loss(self, trainer: Engine, output_transform: Callable, smooth_f: float,
                         diverge_th: float) -> None:  # fmt: skip
        """At ITERATION_COMPLETED: record the lr and the smoothed loss; stop the run if the loss diverged."""
        loss: Any = idist.all_reduce(_loss_value(output_transform(trainer.state.output)))
        self._history["lr"].append(self._lr_schedule.get_param())
        if trainer.state.iteration != 1 and smooth_f > 0:
            loss = smooth_f * loss + (1 - smooth_f) * self._history["loss"][-1]
        if self._best_loss is None or loss < self._best_loss:
            self._best_loss = loss
        self._history["loss"].append(loss)
        if loss > diverge_th * self._best_loss:
            self._diverge_flag = True
            self.logger.info("Stopping early, the loss has diverged")
            trainer.terminate()

    def _reached_num_iterations(self, trainer: Engine, num_iter: int) -> None:
        if trainer.state.iteration > num_iter:
            trainer.terminate()

    def _warning(self, _: Any) -> None:
        if not self._diverge_flag:
            warnings.warn(
                "Run completed without loss diverging, increase end_lr, decrease diverge_th or look at lr_finder.plot()",
                UserWarning,
                stacklevel=2,
            )

    def _detach(self, trainer: Engine) -> None:
        """Remove the run-level handlers that ``attach`` added."""
        for event, handler in ((Events.STARTED, self._run), (Events.COMPLETED, self._warning),
                               (Events.COMPLETED, self._reset)):  # fmt: skip
            if trainer.has_event_handler(handler, event):
                trainer.remove_event_handler(handler, event)

    # ------------------------------------------------------------------ results

    def get_results(self) -> dict[str, list[Any]]:
        """``{"lr": [...], "loss": [...]}`` of the last run (``{}`` before any run).

        Example:
            >>> FastaiLRFinder().get_results()
            {}
        """
        return self._history

    def lr_suggestion(self) -> Any:
        """The lr where the (smoothed) loss, before its minimum, fell fastest (a list for several param groups).

        The slope is the central difference, computed in torch's default dtype as Ignite does, so
        near-ties break the same way.

        Example:
            >>> finder = FastaiLRFinder()
            >>> finder.lr_suggestion()
            Traceback (most recent call last):
            ...
            RuntimeError: learning rate finder didn't run yet so lr_suggestion can't be returned
        """
        if not self._history:
            raise RuntimeError("learning rate finder didn't run yet so lr_suggestion can't be returned")
        losses = torch.tensor(self._history["loss"])
        # the curve after its minimum is the divergence: only the decreasing part is read
        decreasing = losses[: int(losses.argmin().item()) + 1]
        if len(decreasing) < 3:
            raise RuntimeError(
                "FastaiLRFinder got unexpected curve shape, the curve should be somehow U-shaped, "
                "please decrease start_lr or increase end_lr to resolve this issue."
            )
        slopes = 0.5 * (decreasing[2:] - decreasing[:-2])
        return self._history["lr"][int(slopes.argmin().item()) + 1]

    def apply_suggested_lr(self, optimizer: Optimizer) -> None:
        """Set the suggested lr(s) on ``optimizer``, which must have the param groups of the test.

        Example:
            >>> finder = FastaiLRFinder()
            >>> finder._history = {"lr": [0.1, 0.2, 0.3, 0.4], "loss": [4.0, 3.9, 3.0, 0.5]}
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> finder.apply_suggested_lr(opt)
            >>> opt.param_groups[0]["lr"]
            0.3
        """
        suggestion = self.lr_suggestion()
        lrs = suggestion if isinstance(suggestion, list) else [suggestion]
        if len(lrs) != len(optimizer.param_groups):
            raise RuntimeError(
                "The number of parameter groups does not match between given optimizer and the one used for "
                f"estimating the learning rate: {len(lrs)} vs {len(optimizer.param_groups)}"
            )
        for group, lr in zip(optimizer.param_groups, lrs):
            group["lr"] = lr

    def plot(self, skip_start: int = 10, skip_end: int = 5, log_lr: bool = True, display_suggestion: bool = True,
             ax: Any | None = None, **kwargs: Any) -> Any:  # fmt: skip
        """Plot the loss against the lr (matplotlib) and return the Axes.

        Args:
            skip_start: points left out at the start.
            skip_end: points left out at the end.
            log_lr: a logarithmic lr axis.
            display_suggestion: mark the suggested lr (a red dot for one param group).
            ax: the Axes to draw on; else a new figure, made with ``plt.subplots(**kwargs)``.
            kwargs: passed to ``plt.subplots`` when ``ax`` is None.

        As in Ignite, ``plt.show()`` is called (a no-op on a non-interactive backend such as Agg).

        Example:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> finder = FastaiLRFinder()
            >>> finder._history = {"lr": [0.1, 0.2, 0.3, 0.4, 0.5], "loss": [5.0, 4.8, 4.0, 1.0, 9.0]}
            >>> ax = finder.plot(skip_start=0, skip_end=1)
            >>> [len(line.get_xdata()) for line in ax.get_lines()], ax.get_xscale()
            ([4], 'log')
        """
        try:
            from matplotlib import pyplot as plt
        except ImportError:
            raise ModuleNotFoundError(
                "This method requires matplotlib to be installed. Please install it with command: \n pip install matplotlib"
            ) from None
        if not self._history:
            raise RuntimeError("learning rate finder didn't run yet so results can't be plotted")
        if skip_start < 0:
            raise ValueError("skip_start cannot be negative")
        if skip_end < 0:
            raise ValueError("skip_end cannot be negative")

        lrs, losses = self._history["lr"], self._history["loss"]
        n_groups = len(lrs[0]) if isinstance(lrs[0], list) else 1
        if ax is None:
            _, ax = plt.subplots(**kwargs)
        if display_suggestion:
            suggestion = self.lr_suggestion()
            index = lrs.index(suggestion)
            if skip_start >= index:
                warnings.warn(
                    "skip_start is larger than the suggested LR found and it will not be visible on the plot. "
                    "Please, make the value smaller.",
                    UserWarning,
                    stacklevel=2,
                )
            suggested = suggestion if isinstance(suggestion, list) else [suggestion]
            for lr in suggested:
                ax.scatter(lr, losses[index], color="red" if len(suggested) == 1 else None, s=75, marker="o", zorder=3)

        end = -skip_end if skip_end else None
        lrs, losses = lrs[skip_start:end], losses[skip_start:end]
        # on this Axes, not pyplot's current one (Ignite's plt.legend misses a user's ax that is not current)
        ax.legend([f"suggested lr for param_groups {i}" for i in range(n_groups)])
        ax.plot(lrs, losses)
        if log_lr:
            ax.set_xscale("log")
        lr_min = min(lrs[0]) if isinstance(lrs[0], list) else lrs[0]
        lr_max = max(lrs[-1]) if isinstance(lrs[-1], list) else lrs[-1]
        ax.set_xlim([lr_min, lr_max])
        ax.set_xlabel("Learning rate")
        ax.set_ylabel("Loss")
        plt.show()
        return ax

    # ------------------------------------------------------------------ attach

    def attach(
        self,
        trainer: Engine,
        to_save: Mapping,
        output_transform: Callable = _identity,
        num_iter: int | None = None,
        start_lr: LRs | None = None,
        end_lr: LRs | None = 10.0,
        step_mode: str = "exp",
        smooth_f: float = 0.05,
        diverge_th: float = 5.0,
    ) -> contextlib.AbstractContextManager[Engine]:
        """A context manager: inside it ``trainer.run`` is a range test; on exit all is restored.

        Args:
            trainer: the engine to test (all its handlers run during the test).
            to_save: the objects to restore afterwards, with ``state_dict``/``load_state_dict``; must
                hold the torch optimizer under ``"optimizer"``, e.g. ``{"model": model, "optimizer": opt}``.
            output_transform: maps ``trainer.state.output`` to the iteration's loss (a float or a
                one-element tensor).
            num_iter: iterations from ``start_lr`` to ``end_lr``; by default the whole run
                (``epoch_length * max_epochs``); a longer ``num_iter`` lengthens the run.
            start_lr: the first lr (a float, or one per param group); by default the optimizer's.
            end_lr: the last lr (a float, or one per param group).
            step_mode: ``"exp"`` or ``"linear"`` growth of the lr.
            smooth_f: loss smoothing factor in ``[0, 1)``.
            diverge_th: the run stops when ``loss > diverge_th * best_loss``; at least 1.

        The arguments are checked when ``attach`` is called. The model, optimizer, other
        ``to_save`` objects and ``trainer.state_dict()`` are saved on entry (to memory, as
        ``torch.save`` bytes) and loaded back on exit, even when the block raises.

        Example:
            >>> model = torch.nn.Linear(1, 1)
            >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
            >>> FastaiLRFinder().attach(Engine(lambda e, b: 0.0), {"model": model, "optimizer": opt}, smooth_f=1.0)
            Traceback (most recent call last):
            ...
            ValueError: smooth_f is outside the range [0, 1)
        """
        if not isinstance(to_save, Mapping):
            raise TypeError(f"Argument to_save should be a mapping, but given {type(to_save)}")
        Checkpoint._check_objects(to_save, "state_dict")
        Checkpoint._check_objects(to_save, "load_state_dict")
        if "optimizer" not in to_save:
            raise ValueError("Mapping to_save should contain 'optimizer' key")
        optimizer = to_save["optimizer"]
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Object to_save['optimizer'] should be torch optimizer, but given {type(optimizer)}")
        if not 0 <= smooth_f < 1:
            raise ValueError("smooth_f is outside the range [0, 1)")
        if diverge_th < 1:
            raise ValueError("diverge_th should be larger than 1")
        if step_mode not in ("exp", "linear"):
            raise ValueError(f"step_mode should be 'exp' or 'linear', but given {step_mode}")
        if num_iter is not None:
            if not isinstance(num_iter, int):
                raise TypeError(f"if provided, num_iter should be an integer, but given {num_iter}")
            if num_iter <= 0:
                raise ValueError(f"if provided, num_iter should be positive, but given {num_iter}")
        if start_lr is None:
            start_lrs = [group["lr"] for group in optimizer.param_groups]
        else:
            start_lrs = _per_group(start_lr, "start_lr", optimizer)
        end_lrs = _per_group(end_lr, "end_lr", optimizer)
        for start, end in zip(start_lrs, end_lrs):
            if start >= end:
                raise ValueError(f"start_lr must be less than end_lr, start_lr={start_lr} vs end_lr={end_lr}")

        run_args = (optimizer, output_transform, num_iter, start_lrs, end_lrs, step_mode, smooth_f, diverge_th)
        return self._attached(trainer, to_save, run_args)

    @contextlib.contextmanager
    def _attached(self, trainer: Engine, to_save: Mapping, run_args: tuple[Any, ...]) -> Iterator[Engine]:
        # torch.save bytes, as Ignite's temporary file: a true copy (the live tensors change during the
        # test) that holds no accelerator memory, and loads back onto the devices it came from
        saved = io.BytesIO()
        states = {key: obj.state_dict() for key, obj in to_save.items()}
        states["trainer"] = trainer.state_dict()
        torch.save(states, saved)
        del states

        if not trainer.has_event_handler(self._run):
            trainer.add_event_handler(Events.STARTED, self._run, *run_args)
        if not trainer.has_event_handler(self._warning):
            trainer.add_event_handler(Events.COMPLETED, self._warning)
        if not trainer.has_event_handler(self._reset):
            trainer.add_event_handler(Events.COMPLETED, self._reset)
        try:
            yield trainer
        finally:
            self._detach(trainer)
            saved.seek(0)
            states = torch.load(saved, weights_only=True)
            trainer.load_state_dict(states["trainer"])
            for key, state in states.items():
                if key in to_save:
                    to_save[key].load_state_dict(state)
