"""Ignite's one-call training setup (``ignite.contrib.engines.common``), built from bridge's handlers.

:func:`setup_common_training_handlers` gives a trainer, as Ignite 0.5.5 does: stop on NaN
(``TerminateOnNan``), the learning-rate scheduler, a ``Checkpoint`` of ``to_save`` every
``save_every_iters`` iterations (files ``training_<name>_<iteration>.pt``), running averages of
the step's outputs (``output_names``), progress bars, and ``torch.cuda.empty_cache`` at each
epoch end. :func:`save_best_model_by_val_score`, :func:`gen_save_best_models_by_val_score` and
:func:`add_early_stopping_by_val_score` attach a best-model ``Checkpoint`` / ``EarlyStopping``
to an evaluator. The ``setup_<tracker>_logging`` helpers of :mod:`bridge.handlers.logger_utils`
are importable from here too, as in Ignite. (One module a little past 400 lines, as Ignite's:
the helpers are one recipe, and most of it is their documentation.)

On several processes (``bridge.distributed.get_world_size() > 1`` when the helper is called, as
under ``idist.Parallel``) the progress bars are rank 0's only and ``train_sampler``, a
``DistributedSampler``, gets ``set_epoch(epoch - 1)`` at each epoch start. Under a Lightning
strategy (``Engine(trainer_kwargs={"strategy": "ddp"})``) the process group starts with the run:
the helper sees one process, and the handlers it attaches still decide per rank at run time
(checkpoints and bars on rank 0; Lightning shards the data and sets the sampler's epoch).

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> trainer = Engine(lambda engine, batch: {"loss": batch})
    >>> setup_common_training_handlers(trainer, output_names=["loss"], with_pbars=False)
    >>> state = trainer.run([torch.tensor(1.0), torch.tensor(3.0)])
    >>> round(state.metrics["loss"], 2)  # running average: 0.98 * 1 + 0.02 * 3
    1.04
"""

from __future__ import annotations

import gc
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Optional, Union

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler as PyTorchLRScheduler
from torch.optim.optimizer import Optimizer
from torch.utils.data.distributed import DistributedSampler

import bridge.distributed as idist
from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.base_logger import BaseLogger
from bridge.handlers.checkpoint import BaseSaveHandler, Checkpoint, DiskSaver
from bridge.handlers.early_stopping import EarlyStopping
from bridge.handlers.logger_utils import (  # noqa: F401 - Ignite's module offers these too
    _setup_logging,
    setup_clearml_logging,
    setup_mlflow_logging,
    setup_neptune_logging,
    setup_plx_logging,
    setup_tb_logging,
    setup_trains_logging,
    setup_visdom_logging,
    setup_wandb_logging,
)
from bridge.handlers.param_scheduler import ParamScheduler
from bridge.handlers.terminate_on_nan import TerminateOnNan
from bridge.handlers.tqdm_logger import ProgressBar
from bridge.handlers.utils import global_step_from_engine
from bridge.metrics.metric import RunningBatchWise
from bridge.metrics.running_average import RunningAverage
from bridge.utils import deprecated

__all__ = [
    "setup_common_training_handlers",
    "setup_common_distrib_training_handlers",
    "empty_cuda_cache",
    "setup_any_logging",
    "get_default_score_fn",
    "gen_save_best_models_by_val_score",
    "save_best_model_by_val_score",
    "add_early_stopping_by_val_score",
    "setup_tb_logging",
    "setup_visdom_logging",
    "setup_mlflow_logging",
    "setup_neptune_logging",
    "setup_wandb_logging",
    "setup_plx_logging",
    "setup_clearml_logging",
    "setup_trains_logging",
]

_SaveHandler = Union[Callable, BaseSaveHandler]


def setup_common_training_handlers(
    trainer: Engine,
    train_sampler: Optional[DistributedSampler] = None,
    to_save: Optional[Mapping] = None,
    save_every_iters: int = 1000,
    output_path: Optional[str] = None,
    lr_scheduler: Optional[Union[ParamScheduler, PyTorchLRScheduler]] = None,
    with_gpu_stats: bool = False,
    output_names: Optional[Iterable[str]] = None,
    with_pbars: bool = True,
    with_pbar_on_iters: bool = True,
    log_every_iters: int = 100,
    stop_on_nan: bool = True,
    clear_cuda_cache: bool = True,
    save_handler: Optional[_SaveHandler] = None,
    **kwargs: Any,
) -> None:
    """Attach Ignite's common training handlers to ``trainer``.

    In this order, at these events:

    - ``stop_on_nan``: :class:`~bridge.handlers.TerminateOnNan` on ``ITERATION_COMPLETED``;
    - ``lr_scheduler``: a torch LR scheduler steps on ``ITERATION_COMPLETED``; one of bridge's
      (Ignite's) parameter schedulers is called on ``ITERATION_STARTED``;
    - ``clear_cuda_cache`` with CUDA available: :func:`empty_cuda_cache` on ``EPOCH_COMPLETED``;
    - ``to_save``: a :class:`~bridge.handlers.Checkpoint` (``filename_prefix="training"``, ``kwargs``
      passed to it) on ``ITERATION_COMPLETED(every=save_every_iters)``, saving to a
      ``DiskSaver(output_path, require_empty=False)`` or to ``save_handler`` (exactly one of the two);
    - ``with_gpu_stats``: Ignite's ``GpuInfo`` metric every ``log_every_iters`` iterations;
    - ``output_names``: a :class:`~bridge.metrics.RunningAverage` per name, of the output's item with
      that key (a mapping output) or position (a sequence), or of the whole output (a number or
      tensor), in ``engine.state.metrics[name]``;
    - ``with_pbars``: a bar over each epoch's iterations showing all metrics, refreshed every
      ``log_every_iters`` iterations (``with_pbar_on_iters``), and a persistent bar over the epochs.

    ``train_sampler``: on several processes, a ``DistributedSampler`` whose ``set_epoch`` is called
    at each epoch start; on one process it is ignored (with a warning if it is a ``DistributedSampler``).

    Example:
        >>> import tempfile, os
        >>> import torch
        >>> from bridge.engine import Engine
        >>> model = torch.nn.Linear(2, 1)
        >>> trainer = Engine(lambda engine, batch: batch)
        >>> with tempfile.TemporaryDirectory() as out:
        ...     setup_common_training_handlers(trainer, to_save={"model": model}, output_path=out,
        ...                                    save_every_iters=2, with_pbars=False)
        ...     _ = trainer.run([1.0, 2.0, 3.0, 4.0])
        ...     sorted(os.listdir(out))
        ['training_model_4.pt']
    """
    distributed = idist.get_world_size() > 1
    if isinstance(train_sampler, DistributedSampler) and not distributed:
        warnings.warn(
            "Argument train_sampler is a distributed sampler, but either there is no distributed setting or "
            "world size is < 2. Train sampler argument will be ignored",
            UserWarning,
        )
    if output_path is not None and save_handler is not None:
        raise ValueError(
            "Arguments output_path and save_handler are mutually exclusive. Please, define only one of them"
        )

    if stop_on_nan:
        trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())

    if lr_scheduler is not None:
        if isinstance(lr_scheduler, PyTorchLRScheduler):
            trainer.add_event_handler(Events.ITERATION_COMPLETED, _StepTorchScheduler(lr_scheduler))
        else:
            trainer.add_event_handler(Events.ITERATION_STARTED, lr_scheduler)

    if torch.cuda.is_available() and clear_cuda_cache:
        trainer.add_event_handler(Events.EPOCH_COMPLETED, empty_cuda_cache)

    if to_save is not None:
        if output_path is None and save_handler is None:
            raise ValueError(
                "If to_save argument is provided then output_path or save_handler arguments should be also defined"
            )
        if output_path is not None:
            save_handler = DiskSaver(dirname=output_path, require_empty=False)
        assert save_handler is not None  # one of the two, checked above
        checkpoint = Checkpoint(to_save, save_handler, filename_prefix="training", **kwargs)
        trainer.add_event_handler(Events.ITERATION_COMPLETED(every=save_every_iters), checkpoint)

    if with_gpu_stats:
        _gpu_info().attach(trainer, name="gpu", event_name=Events.ITERATION_COMPLETED(every=log_every_iters))

    if output_names is not None:
        for index, name in enumerate(output_names):
            average = RunningAverage(output_transform=partial(_output_item, index=index, name=name))
            average.attach(trainer, name, usage=RunningBatchWise())

    if with_pbars and (not distributed or idist.get_rank() == 0):
        if with_pbar_on_iters:
            ProgressBar(persist=False).attach(
                trainer, metric_names="all", event_name=Events.ITERATION_COMPLETED(every=log_every_iters)
            )
        ProgressBar(persist=True, bar_format="").attach(
            trainer, event_name=Events.EPOCH_STARTED, closing_event_name=Events.COMPLETED
        )

    if distributed and train_sampler is not None:
        if not isinstance(train_sampler, DistributedSampler):
            raise TypeError("Train sampler should be torch DistributedSampler and have `set_epoch` method")
        trainer.add_event_handler(Events.EPOCH_STARTED, _SetSamplerEpoch(train_sampler))


#: Ignite's old name: :func:`setup_common_training_handlers` handles both cases
setup_common_distrib_training_handlers = setup_common_training_handlers


class _StepTorchScheduler:
    """Handler stepping a torch LR scheduler (an object rather than a lambda, so a trainer pickles)."""

    def __init__(self, lr_scheduler: Any) -> None:
        self.lr_scheduler = lr_scheduler

    def __call__(self, engine: Engine) -> None:
        self.lr_scheduler.step()


def _output_item(output: Any, index: int, name: str) -> Any:
    """The value named ``name`` (a mapping) or at ``index`` (a sequence) of a step's output.

    Example:
        >>> _output_item({"loss": 0.5}, 0, "loss"), _output_item((0.1, 0.2), 1, "b"), _output_item(3.0, 5, "x")
        (0.5, 0.2, 3.0)
    """
    if isinstance(output, Mapping):
        return output[name]
    if isinstance(output, Sequence):
        return output[index]
    if isinstance(output, (torch.Tensor, numbers.Number)):
        return output
    raise TypeError(
        f"Unhandled type of update_function's output. It should either mapping or sequence, but given {type(output)}"
    )


def _gpu_info() -> Any:
    from bridge.metrics.gpu_info import GpuInfo  # raises Ignite's errors without pynvml or a GPU

    return GpuInfo()


class _SetSamplerEpoch:
    """``train_sampler.set_epoch(epoch - 1)`` at each epoch start (an object, so a trainer pickles)."""

    def __init__(self, train_sampler: DistributedSampler) -> None:
        self.train_sampler = train_sampler

    def __call__(self, engine: Engine) -> None:
        self.train_sampler.set_epoch(engine.state.epoch - 1)


def empty_cuda_cache(_: Engine) -> None:
    """Release the CUDA caching allocator's unused memory, then collect garbage (an ``EPOCH_COMPLETED`` handler).

    Example:
        >>> from bridge.engine import Engine
        >>> empty_cuda_cache(Engine(lambda e, b: b))
    """
    torch.cuda.empty_cache()
    gc.collect()


@deprecated(
    "0.4.0",
    "0.6.0",
    ("Please use instead: setup_tb_logging, setup_visdom_logging or setup_mlflow_logging etc.",),
    raise_exception=True,
)
def setup_any_logging(
    logger: BaseLogger,
    logger_module: Any,
    trainer: Engine,
    optimizers: Optional[Union[Optimizer, dict[str, Optimizer], dict[None, Optimizer]]],
    evaluators: Optional[Union[Engine, dict[str, Engine]]],
    log_every_iters: int,
) -> None:
    """Removed in Ignite 0.4: calling it raises ``DeprecationWarning``, as in Ignite. Use ``setup_<tracker>_logging``.

    Example:
        >>> setup_any_logging(None, None, None, None, None, 1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        DeprecationWarning: This function has been deprecated since version 0.4.0 and will be removed in version 0.6.0...

    """  # the blank line ends the example: the decorator appends its note to this docstring


#: Ignite's name for :meth:`bridge.handlers.Checkpoint.get_default_score_fn`
get_default_score_fn = Checkpoint.get_default_score_fn


def gen_save_best_models_by_val_score(
    save_handler: _SaveHandler,
    evaluator: Engine,
    models: Union[nn.Module, dict[str, nn.Module]],
    metric_name: str,
    n_saved: int = 3,
    trainer: Optional[Engine] = None,
    tag: str = "val",
    score_sign: float = 1.0,
    **kwargs: Any,
) -> Checkpoint:
    """Keep the ``n_saved`` best ``models`` by ``evaluator.state.metrics[metric_name]``, saved by ``save_handler``.

    A :class:`~bridge.handlers.Checkpoint` (``filename_prefix="best"``, score name
    ``f"{tag}_{metric_name.lower()}"``, the score times ``score_sign``: -1.0 keeps the smallest
    values) runs when ``evaluator`` completes; with ``trainer`` the file names carry its epoch.
    ``models`` is one module (saved as ``"model"``) or a dict of them; ``kwargs`` go to the Checkpoint.

    Example:
        >>> import tempfile, os
        >>> import torch
        >>> from bridge.engine import Engine
        >>> from bridge.handlers import DiskSaver
        >>> evaluator = Engine(lambda e, b: b)
        >>> @evaluator.on(Events.EPOCH_COMPLETED)
        ... def score(engine):
        ...     engine.state.metrics["acc"] = 0.75
        >>> with tempfile.TemporaryDirectory() as out:
        ...     _ = gen_save_best_models_by_val_score(DiskSaver(out), evaluator, torch.nn.Linear(1, 1), "acc")
        ...     _ = evaluator.run([0])
        ...     os.listdir(out)
        ['best_model_val_acc=0.7500.pt']
    """
    global_step_transform = global_step_from_engine(trainer) if trainer is not None else None
    to_save = {"model": models} if isinstance(models, nn.Module) else models
    best_models = Checkpoint(
        to_save,
        save_handler,
        filename_prefix="best",
        n_saved=n_saved,
        global_step_transform=global_step_transform,
        score_name=f"{tag}_{metric_name.lower()}",
        score_function=get_default_score_fn(metric_name, score_sign=score_sign),
        **kwargs,
    )
    evaluator.add_event_handler(Events.COMPLETED, best_models)
    return best_models


def save_best_model_by_val_score(
    output_path: str,
    evaluator: Engine,
    model: nn.Module,
    metric_name: str,
    n_saved: int = 3,
    trainer: Optional[Engine] = None,
    tag: str = "val",
    score_sign: float = 1.0,
    **kwargs: Any,
) -> Checkpoint:
    """:func:`gen_save_best_models_by_val_score` into the directory ``output_path`` (a ``DiskSaver``).

    Example:
        >>> import tempfile, os
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
        >>> @evaluator.on(Events.EPOCH_COMPLETED)
        ... def score(engine):  # a loss falling with the epochs: the last two are the best
        ...     engine.state.metrics["loss"] = 1.0 / trainer.state.epoch
        >>> trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))  # doctest: +ELLIPSIS
        <...>
        >>> with tempfile.TemporaryDirectory() as out:
        ...     _ = save_best_model_by_val_score(out, evaluator, torch.nn.Linear(1, 1), "loss", n_saved=2,
        ...                                      trainer=trainer, score_sign=-1.0)
        ...     _ = trainer.run([0], max_epochs=3)
        ...     sorted(os.listdir(out))
        ['best_model_2_val_loss=-0.5000.pt', 'best_model_3_val_loss=-0.3333.pt']
    """
    return gen_save_best_models_by_val_score(
        save_handler=DiskSaver(dirname=output_path, require_empty=False),
        evaluator=evaluator,
        models=model,
        metric_name=metric_name,
        n_saved=n_saved,
        trainer=trainer,
        tag=tag,
        score_sign=score_sign,
        **kwargs,
    )


def add_early_stopping_by_val_score(
    patience: int,
    evaluator: Engine,
    trainer: Engine,
    metric_name: str,
    score_sign: float = 1.0,
) -> EarlyStopping:
    """Stop ``trainer`` once ``evaluator.state.metrics[metric_name]`` has not improved for ``patience`` evaluations.

    An :class:`~bridge.handlers.EarlyStopping` on the evaluator's ``COMPLETED``; the score is the
    metric times ``score_sign`` (-1.0 for a metric that should decrease).

    Example:
        >>> from bridge.engine import Engine
        >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
        >>> @evaluator.on(Events.EPOCH_COMPLETED)
        ... def score(engine):
        ...     engine.state.metrics["acc"] = min(trainer.state.epoch, 2) / 10
        >>> trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))  # doctest: +ELLIPSIS
        <...>
        >>> _ = add_early_stopping_by_val_score(2, evaluator, trainer, "acc")
        >>> trainer.run([0], max_epochs=10).epoch
        4
    """
    early_stopping = EarlyStopping(
        patience=patience, score_function=get_default_score_fn(metric_name, score_sign=score_sign), trainer=trainer
    )
    evaluator.add_event_handler(Events.COMPLETED, early_stopping)
    return early_stopping
