"""Ignite's ``DeterministicEngine``: a run whose dataflow a resumed run reproduces (``ignite.engine.deterministic``).

One file past 400 lines: it is Ignite's ``ignite.engine.deterministic`` name for name (the
engine, its batch sampler, the RNG helpers it uses), so the alias maps one module onto one.

The engine draws a seed at STARTED and reseeds ``random``, ``torch`` and ``numpy`` with
``seed + pass`` each time the data starts a new pass; a ``DataLoader``'s batch sampler becomes a
:class:`ReproducibleBatchSampler`, which can start a pass from any iteration. ``state_dict()``
also saves the random generators' states (``rng_states``), so a run resumed from it mid-pass
goes on with the random stream where the checkpoint left it. The rest (events, ``run``,
runners) is :class:`~bridge.engine.engine.Engine`'s: the loop calls :meth:`_setup_engine` when
an epoch needs data and reseeds through a DATALOADER_STOP_ITERATION handler, as in Ignite.

Where Ignite 0.5.5's own resume does not reproduce the uninterrupted run, bridge does (see
:meth:`DeterministicEngine._setup_engine`): a shuffled ``DataLoader`` resumed mid-epoch draws
its pass's order before the saved random state comes back (Ignite draws it after, and serves
other samples); data that is not a ``DataLoader`` is replayed under its pass's seed (Ignite
uses the first pass's), and an iterator without length gets its saved random state back.

One module, as in Ignite: the engine and the pieces it is made of (the sampler, the loader
rewrite, the random-state helpers), which clients also import from here.

Example:
    >>> import torch
    >>> from torch.utils.data import DataLoader
    >>> from bridge.utils import manual_seed
    >>> def record(engine, batch):
    ...     return batch.tolist()
    >>> def epoch_two(stop=None, resume_from=None):
    ...     manual_seed(0)
    ...     engine = DeterministicEngine(record)
    ...     seen = []
    ...     _ = engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output))
    ...     if stop:
    ...         _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=stop), lambda e: e.terminate())
    ...     if resume_from:
    ...         engine.load_state_dict(resume_from)
    ...     engine.run(DataLoader(range(6), batch_size=2, shuffle=True), max_epochs=2)
    ...     return seen, engine
    >>> whole, _ = epoch_two()
    >>> first, stopped = epoch_two(stop=4)
    >>> rest, _ = epoch_two(resume_from=stopped.state_dict())
    >>> first + rest == whole
    True
"""

from __future__ import annotations

import inspect
import random
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import wraps
from hashlib import md5
from typing import TYPE_CHECKING, Any, Optional, TypeVar

import torch
from torch.utils.data import DataLoader
from torch.utils.data.sampler import BatchSampler

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.engine.runners import OptimizersConfig
from bridge.utils import manual_seed

if TYPE_CHECKING:
    import pytorch_lightning as pl

__all__ = ["DeterministicEngine", "ReproducibleBatchSampler", "keep_random_state", "update_dataloader"]

F = TypeVar("F", bound=Callable[..., Any])

# DataLoader attributes that describe the batching: the new batch sampler replaces them
_BATCHING_ATTRIBUTES = ("batch_size", "sampler", "drop_last", "batch_sampler", "dataset_kind")


def update_dataloader(dataloader: DataLoader, new_batch_sampler: BatchSampler) -> DataLoader:
    """A new loader like ``dataloader`` (same class, dataset, workers, collate function, ...) batched by
    ``new_batch_sampler``.

    As Ignite, the new loader is built from ``dataloader``'s public attributes; bridge also keeps
    its ``multiprocessing_context`` (private in torch, which Ignite's copy loses).

    Example:
        >>> from torch.utils.data import DataLoader
        >>> loader = DataLoader(range(5), batch_size=2, collate_fn=lambda items: sum(items))
        >>> fours = torch.utils.data.BatchSampler(loader.sampler, batch_size=4, drop_last=False)
        >>> list(update_dataloader(loader, fours))
        [6, 4]
    """
    options = {
        name: getattr(dataloader, name)
        for name in dataloader.__dict__
        if not name.startswith("_") and name not in _BATCHING_ATTRIBUTES
    }
    options["batch_sampler"] = new_batch_sampler
    context = getattr(dataloader, "multiprocessing_context", None)
    if context is not None and "multiprocessing_context" in inspect.signature(type(dataloader)).parameters:
        options["multiprocessing_context"] = context
    return type(dataloader)(**options)


class ReproducibleBatchSampler(BatchSampler):
    """A batch sampler that draws a whole pass's batches when the pass starts, and can skip its first ones.

    Each ``iter`` asks ``batch_sampler`` for all the pass's batches (``batch_indices``), then serves
    them from ``start_iteration`` on (once: the pass after starts at its beginning again).

    Args:
        batch_sampler: the ``torch.utils.data.BatchSampler`` of a ``DataLoader``.
        start_iteration: the batch the next pass starts at (None: the first).

    Example:
        >>> from torch.utils.data import BatchSampler, SequentialSampler
        >>> sampler = ReproducibleBatchSampler(BatchSampler(SequentialSampler(range(6)), 2, False), start_iteration=1)
        >>> list(sampler), list(sampler), len(sampler)
        ([[2, 3], [4, 5]], [[0, 1], [2, 3], [4, 5]], 3)
    """

    def __init__(self, batch_sampler: BatchSampler, start_iteration: Optional[int] = None) -> None:
        if not isinstance(batch_sampler, BatchSampler):
            raise TypeError("Argument batch_sampler should be torch.utils.data.sampler.BatchSampler")
        self.batch_indices: list[list[int]] = []
        self.batch_sampler = batch_sampler
        self.start_iteration = start_iteration
        self.sampler = batch_sampler.sampler
        # the pass iter() started last (a generator that may not have run yet), and its token
        self._pass: Optional[tuple[weakref.ref[Iterator[list[int]]], object]] = None
        # (token, batches): the batches drawn ahead for the pass of that token
        self._ahead: Optional[tuple[object, list[list[int]]]] = None

    def setup_batch_indices(self) -> None:
        """Draw the pass's batches from ``batch_sampler`` into ``batch_indices``, from ``start_iteration`` on.

        Example:
            >>> from torch.utils.data import BatchSampler, SequentialSampler
            >>> sampler = ReproducibleBatchSampler(BatchSampler(SequentialSampler(range(4)), 2, False), 1)
            >>> sampler.setup_batch_indices(); sampler.batch_indices, sampler.start_iteration
            ([[2, 3]], None)
        """
        self.batch_indices = [batch for batch in self.batch_sampler]
        if self.start_iteration is not None:
            self.batch_indices = self.batch_indices[self.start_iteration :]
            self.start_iteration = None

    def __iter__(self) -> Iterator[list[int]]:
        token = object()
        batches = self._batches(token)
        self._pass = (weakref.ref(batches), token)
        return batches

    def _batches(self, token: object) -> Iterator[list[int]]:
        # As Ignite's, the batches are drawn when the DataLoader asks for the first one (not at iter()):
        # the random stream is consumed in Ignite's order.
        ahead = self._ahead
        if ahead is not None and ahead[0] is token:
            self._ahead = None
            self.batch_indices = ahead[1]
        else:
            self.setup_batch_indices()
        yield from self.batch_indices

    def _draw_ahead(self) -> None:
        """Draw the batches of the pass ``iter`` just started, if it has not drawn them yet.

        A resumed run calls it before putting the saved random state back: the pass's order is
        then drawn from the same random state as in the uninterrupted run.
        """
        if self._pass is None:
            return
        batches, token = self._pass[0](), self._pass[1]
        if batches is not None and inspect.getgeneratorstate(batches) == inspect.GEN_CREATED:  # type: ignore[arg-type]
            self.setup_batch_indices()
            self._ahead = (token, self.batch_indices)

    def __len__(self) -> int:
        return len(self.batch_sampler)


def _get_rng_states() -> list[Any]:
    """The states of ``random``, ``torch`` (CPU) and, if installed, ``numpy``'s global generators, in that order.

    Example:
        >>> states = _get_rng_states(); a = torch.rand(1)
        >>> _set_rng_states(states); bool(torch.equal(a, torch.rand(1)))
        True
    """
    states: list[Any] = [random.getstate(), torch.get_rng_state()]
    try:
        import numpy as np
    except ImportError:
        return states
    states.append(np.random.get_state())
    return states


def _set_rng_states(rng_states: list[Any]) -> None:
    """Put back states of :func:`_get_rng_states` (a torch state saved on a GPU is read back to the CPU).

    Example:
        >>> states = _get_rng_states(); a = random.random()
        >>> _set_rng_states(states); random.random() == a
        True
    """
    random.setstate(rng_states[0])
    torch_state = rng_states[1]
    torch.set_rng_state(torch_state.cpu() if torch_state.device.type != "cpu" else torch_state)
    if len(rng_states) < 3:
        return
    try:
        import numpy as np
    except ImportError:
        return
    np.random.set_state(rng_states[2])


def _repr_rng_state(rng_states: list[Any]) -> str:
    """A short fingerprint of random states (one md5 digest each), to compare them in logs.

    Example:
        >>> _repr_rng_state(_get_rng_states()) == _repr_rng_state(_get_rng_states())
        True
    """
    return " ".join(md5(_listed(state).encode("utf-8")).hexdigest() for state in rng_states)


def _listed(state: Any) -> str:
    # Ignite digests str(list(state)); for torch's state (5056 bytes) that is as many tensor reprs,
    # seconds of work: the same text is written directly
    if isinstance(state, torch.Tensor) and state.dtype == torch.uint8 and state.dim() == 1:
        return "[" + ", ".join(f"tensor({value}, dtype=torch.uint8)" for value in state.tolist()) + "]"
    return str(list(state))


def keep_random_state(func: F) -> F:
    """Decorate ``func`` so that calling it leaves the ``random``, ``torch`` and ``numpy`` streams as they were.

    E.g. a handler that draws random numbers (an evaluation on random data) without shifting
    the training run's dataflow.

    Unlike Ignite's wrapper, which returns None, bridge's returns ``func``'s result, and puts the
    states back also when ``func`` raises.

    Example:
        >>> @keep_random_state
        ... def peek():
        ...     return torch.rand(1)
        >>> a = peek(); bool(torch.equal(a, torch.rand(1)))
        True
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        states = _get_rng_states()
        try:
            return func(*args, **kwargs)
        finally:
            _set_rng_states(states)

    return wrapper  # type: ignore[return-value]


class DeterministicEngine(Engine):
    """An :class:`~bridge.engine.engine.Engine` whose dataflow is reproducible, also when a run is resumed.

    At STARTED the engine draws ``state.seed`` from torch's generator, so seeding the script
    (``bridge.utils.manual_seed``, Lightning's ``seed_everything``) fixes the whole run. At the
    start of each pass over the data it reseeds ``random``, ``torch`` and ``numpy`` with
    ``state.seed + pass``; a map-style ``DataLoader`` gets a :class:`ReproducibleBatchSampler`.
    ``state_dict()`` adds ``rng_states``: a run resumed from it (``load_state_dict`` then ``run``)
    serves the same batches, in the same order, with the same random draws as the uninterrupted
    run, from an epoch's start or from the middle of one. With CUDA, STARTED also turns on
    ``torch.use_deterministic_algorithms(True, warn_only=True)`` and turns off cuDNN's benchmark.

    ``data=None`` is refused (ValueError). Resuming mid-pass over data that is not a
    ``DataLoader`` replays it from the pass's start up to the iteration.

    Args:
        process_function: ``process_function(engine, batch) -> output``, as for ``Engine``.
        trainer_kwargs, callbacks, model, optimizers, runner: the Engine's options.

    Example:
        >>> from bridge.utils import manual_seed
        >>> def draws(max_epochs):
        ...     manual_seed(3)
        ...     engine = DeterministicEngine(lambda e, b: torch.randint(0, 100, (1,)).item())
        ...     outputs = []
        ...     _ = engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
        ...     engine.run([0, 1], max_epochs=max_epochs)
        ...     return outputs, sorted(engine.state_dict())
        >>> two, keys = draws(2)
        >>> three, _ = draws(3)
        >>> three[:4] == two, keys
        (True, ['epoch_length', 'iteration', 'max_epochs', 'rng_states'])
    """

    def __init__(
        self,
        process_function: Callable[[Engine, Any], Any],
        *,
        trainer_kwargs: Optional[Mapping[str, Any]] = None,
        callbacks: Optional[Iterable[pl.Callback]] = None,
        model: Optional[torch.nn.Module] = None,
        optimizers: OptimizersConfig = None,
        runner: str = "trainer",
    ) -> None:
        super().__init__(
            process_function,
            trainer_kwargs=trainer_kwargs,
            callbacks=callbacks,
            model=model,
            optimizers=optimizers,
            runner=runner,
        )
        #: the length of the data's pass (None: unknown), set when the data is set up
        self._dataloader_len: Optional[int] = None
        self.state_dict_user_keys.append("rng_states")
        if not hasattr(self.state, "rng_states"):
            self.state.rng_states = None  # type: ignore[attr-defined]
        self.add_event_handler(Events.STARTED, self._init_run)
        self.add_event_handler(Events.DATALOADER_STOP_ITERATION | Events.TERMINATE_SINGLE_EPOCH, self._setup_seed)

    def state_dict(self) -> OrderedDict:
        """The Engine's ``state_dict`` and ``rng_states``: the random generators' states now.

        Example:
            >>> engine = DeterministicEngine(lambda e, b: b)
            >>> _ = engine.run([1, 2])
            >>> len(engine.state_dict()["rng_states"])  # random, torch, numpy
            3
        """
        saved = super().state_dict()
        saved["rng_states"] = _get_rng_states()
        return saved

    def _init_run(self) -> None:
        self.state.seed = int(torch.randint(0, int(1e9), (1,)).item())
        if torch.cuda.is_available():
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False

    def _setup_engine(self) -> None:
        """The data of a run that starts or resumes: the batch sampler, the seed, the random state."""
        state = self.state
        if state.dataloader is None:
            raise ValueError(
                "Deterministic engine does not support the option of data=None. Please, provide data as iterable"
            )
        self._dataloader_len = self._get_data_length(state.dataloader)
        if isinstance(state.dataloader, DataLoader) and _is_map_style(state.dataloader):
            if self._dataloader_len is not None and hasattr(state.dataloader.sampler, "epoch"):
                if self._dataloader_len != state.epoch_length:
                    warnings.warn(
                        "When defined engine's epoch length is different of input dataloader length, "
                        "distributed sampler indices can not be setup in a reproducible manner"
                    )
            batch_sampler = state.dataloader.batch_sampler
            if batch_sampler is not None and not isinstance(batch_sampler, ReproducibleBatchSampler):
                # a map-style DataLoader's batch_sampler is a BatchSampler unless the user gave another iterable
                state.dataloader = update_dataloader(
                    state.dataloader, ReproducibleBatchSampler(batch_sampler)  # type: ignore[arg-type]
                )

        iteration = state.iteration
        self._dataloader_iter = self._from_iteration(iteration)
        # the epoch's iteration counter goes on from the state's iteration (Ignite's rule here, also
        # after terminate())
        self._init_iter = iteration % state.epoch_length if state.epoch_length is not None else iteration

        rng_states = getattr(state, "rng_states", None)
        if rng_states is not None and self._mid_pass(iteration):
            batch_sampler = getattr(state.dataloader, "batch_sampler", None)
            if isinstance(batch_sampler, ReproducibleBatchSampler):
                # the pass's order comes from the pass's seed, as in the uninterrupted run; only then
                # does the random stream go on from the checkpoint (Ignite draws the order after)
                batch_sampler._draw_ahead()
            _set_rng_states(rng_states)
            state.rng_states = None  # type: ignore[attr-defined]

    def _mid_pass(self, iteration: int) -> bool:
        # Data without length (an iterator) goes on across epochs: any iteration but the first is mid-stream.
        # (Ignite restores the random state only for data with a length.)
        if self._dataloader_len is None:
            return iteration > 0
        return iteration % self._dataloader_len > 0

    def _from_iteration(self, iteration: int) -> Iterator[Any]:
        data = self.state.dataloader
        if data is None:
            raise RuntimeError("Internal error, self.state.dataloader is None.")
        if isinstance(data, DataLoader):
            try:
                # len() of a DataLoader over an IterableDataset raises TypeError: replayed below
                iteration %= len(data.batch_sampler)  # type: ignore[arg-type]
            except TypeError:
                pass
            else:
                self._setup_seed()
                if iteration > 0:
                    data.batch_sampler.start_iteration = iteration  # type: ignore[union-attr]
                return iter(data)

        self.logger.info("Resuming from iteration for provided data will fetch data until required iteration ...")
        if self._dataloader_len is not None:
            iteration %= self._dataloader_len
            # replay this pass under its own seed (Ignite replays under the first pass's)
            self._setup_seed()
        else:
            # without length, the replay starts from the run's first item, under the run's first seed
            self._setup_seed(iteration=0)
        data_iter = iter(data)
        fetched = 0
        while fetched < iteration:
            try:
                next(data_iter)
                fetched += 1
            except StopIteration:
                data_iter = iter(data)
        return data_iter

    def _setup_seed(self, _: Any = None, iter_counter: Optional[int] = None, iteration: Optional[int] = None) -> None:
        """Seed ``random``, ``torch`` and ``numpy`` with ``state.seed`` plus the pass that ``iteration`` is in.

        A pass is the data's length (``iter_counter`` when given: TERMINATE_SINGLE_EPOCH's).
        """
        if iter_counter is None:
            length = self._dataloader_len if self._dataloader_len is not None else 1
        elif not iter_counter > 0:
            raise ValueError("iter_counter should be positive value")
        else:
            length = iter_counter
        if iteration is None:
            iteration = self.state.iteration
        seed = self.state.seed
        if seed is None:
            raise RuntimeError("Internal error, self.state.seed is None: it is drawn when the run starts.")
        manual_seed(seed + iteration // length)


def _is_map_style(loader: DataLoader) -> bool:
    """Whether ``loader`` reads a map-style dataset (by index): only then can its batch sampler be replaced."""
    from torch.utils.data.dataloader import _DatasetKind

    return getattr(loader, "_dataset_kind", _DatasetKind.Map) == _DatasetKind.Map
