"""DeterministicEngine and its helpers, compared with pytorch-ignite's ``ignite.engine.deterministic``.

The resume guarantee: a run stopped anywhere (``terminate()`` / ``interrupt()``), checkpointed
(``state_dict()`` with the model and optimizer) and resumed in a new engine, model and
optimizer serves the same batches, random transforms and step draws, and ends with the same
weights, as pytorch-ignite's uninterrupted run of the same script, on both runners, for a
shuffled ``DataLoader`` over a randomly transformed dataset, a list and an iterator.
"""

from __future__ import annotations

import copy
import functools
import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import ignite.engine as ie
import ignite.engine.deterministic as idet
import ignite.utils as iu
import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

import bridge.engine as be
import bridge.engine.deterministic as bdet
import bridge.utils as bu

RUNNERS = ["trainer", "fabric"]
KINDS = ["loader", "list", "iterator"]
MAX_EPOCHS = 3  # 3 iterations per epoch: 9 in all


@pytest.fixture(autouse=True)
def _restore_torch_flags() -> Iterator[None]:
    # with CUDA, a DeterministicEngine run (Ignite's too) turns on deterministic algorithms process-wide
    saved = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cudnn.benchmark)  # fmt: skip
    yield
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.benchmark = saved[2]


class NoisyData(Dataset):
    """Map-style data whose items get a random transform from torch's generator."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.tensor([float(index)]), torch.rand(1)


def batch(k: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.full((4, 1), float(k)), torch.zeros(4, 1)


def make_data(kind: str) -> tuple[Any, Optional[int]]:
    """The data and the ``epoch_length`` to run it with."""
    if kind == "loader":
        return DataLoader(NoisyData(), batch_size=4, shuffle=True), None
    if kind == "list":
        return [batch(k) for k in range(3)], None
    return iter([batch(k) for k in range(12)]), 3  # one stream across the epochs


@dataclass
class Run:
    seen: list[tuple[list[float], list[float], float]]  # per iteration: the items, their transforms, the step's draw
    weights: list[torch.Tensor]
    checkpoint: dict[str, Any]


def train(lib: str, kind: str, runner: Optional[str] = None, stop: Optional[int] = None, how: str = "terminate",
          checkpoint: Optional[dict[str, Any]] = None, deterministic: Any = None) -> Run:  # fmt: skip
    """The script: seed, model, optimizer, engine, maybe a checkpoint to resume from, run."""
    engines, det, utils = (ie, idet, iu) if lib == "ignite" else (be, bdet, bu)
    utils.manual_seed(12)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    seen: list[tuple[list[float], list[float], float]] = []

    def step(engine: Any, batch: Any) -> float:
        x, noise = batch
        jitter = torch.rand(1)  # the step's own draw, as dropout would make
        seen.append((x.flatten().tolist(), noise.flatten().tolist(), jitter.item()))
        optimizer.zero_grad()
        loss = (model(x + noise) * (1 + jitter)).pow(2).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    options = {} if runner is None else {"runner": runner}
    engine = det.DeterministicEngine(step, **options)
    if checkpoint is not None:
        engine.load_state_dict(checkpoint["engine"])
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
    if stop is not None:
        pause = (lambda e: e.terminate()) if how == "terminate" else (lambda e: e.interrupt())
        engine.add_event_handler(engines.Events.ITERATION_COMPLETED(once=stop), pause)
    data, epoch_length = make_data(kind)
    engine.run(data, max_epochs=MAX_EPOCHS, epoch_length=epoch_length)
    saved = {"engine": engine.state_dict(), "model": copy.deepcopy(model.state_dict()),
             "optimizer": copy.deepcopy(optimizer.state_dict())}  # fmt: skip
    return Run(seen, [p.detach().clone() for p in model.parameters()], saved)


@functools.cache
def ignite_run(kind: str) -> Run:
    return train("ignite", kind)


def same_weights(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


# ------------------------------------------------------------------ the dataflow and its resume


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("kind", KINDS)
def test_an_uninterrupted_run_is_ignites(kind: str, runner: str) -> None:
    run, reference = train("bridge", kind, runner), ignite_run(kind)
    assert len(run.seen) == 9
    assert run.seen == reference.seen
    assert same_weights(run.weights, reference.weights)


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=3, deadline=None, database=None)
@given(stop=st.integers(1, 8), how=st.sampled_from(["terminate", "interrupt"]), source=st.sampled_from(["bridge", "ignite"]))
@example(stop=3, how="terminate", source="bridge")  # an epoch boundary
@example(stop=5, how="interrupt", source="bridge")  # the middle of epoch 2
def test_a_run_resumed_from_a_checkpoint_is_the_uninterrupted_run(kind: str, runner: str, stop: int, how: str,
                                                                   source: str) -> None:  # fmt: skip
    # the checkpoint comes from bridge's run or from pytorch-ignite's: the formats are the same
    first = train(source, kind, runner if source == "bridge" else None, stop=stop, how=how)
    # an interrupted engine's paused loop (a generator) is freed by the collector, which closes it and logs
    # it as Ignite does: here, where pytest captures the log, not at the interpreter's exit
    if how == "interrupt":
        gc.collect()
    assert len(first.seen) == stop and len(first.checkpoint["engine"]["rng_states"]) == 3
    rest = train("bridge", kind, runner, checkpoint=first.checkpoint)
    reference = ignite_run(kind)
    assert first.seen + rest.seen == reference.seen
    assert same_weights(rest.weights, reference.weights)


@pytest.mark.parametrize(
    "kind, stop",
    [("loader", 5), ("list", 3), ("iterator", 5)],
    ids=["shuffled-loader-mid-epoch", "list-at-epoch-boundary", "iterator"],
)
def test_where_ignites_own_resume_strays_bridge_reproduces_the_run(kind: str, stop: int) -> None:
    # pytorch-ignite 0.5.5 draws a resumed DataLoader's order after putting the saved random state
    # back (its pass serves other samples), replays a list's pass under the first pass's seed, and
    # restarts an iterator's random stream: bridge reproduces the uninterrupted run in all three
    reference = ignite_run(kind)
    ignites = train("ignite", kind, stop=stop)
    assert ignites.seen + train("ignite", kind, checkpoint=ignites.checkpoint).seen != reference.seen
    bridges = train("bridge", kind, "fabric", stop=stop)
    assert bridges.seen + train("bridge", kind, "fabric", checkpoint=bridges.checkpoint).seen == reference.seen


@pytest.mark.parametrize("runner", RUNNERS)
def test_terminate_epoch_reseeds_as_ignite(runner: str) -> None:
    def draws(engines: Any, det: Any, utils: Any, **options: Any) -> list[Any]:
        utils.manual_seed(7)
        engine = det.DeterministicEngine(lambda e, b: (b[0].flatten().tolist(), torch.rand(1).item()), **options)
        outputs: list[Any] = []
        engine.add_event_handler(engines.Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
        engine.add_event_handler(engines.Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate_epoch())
        engine.run(DataLoader(NoisyData(), batch_size=3, shuffle=True), max_epochs=2)
        return outputs

    assert draws(be, bdet, bu, runner=runner) == draws(ie, idet, iu)


@pytest.mark.parametrize("runner", RUNNERS)
def test_data_none_is_refused_as_ignite(runner: str) -> None:
    message = "Deterministic engine does not support the option of data=None. Please, provide data as iterable"
    with pytest.raises(ValueError, match=message):
        idet.DeterministicEngine(lambda e, b: b).run(None, epoch_length=3)
    with pytest.raises(ValueError, match=message):
        bdet.DeterministicEngine(lambda e, b: b, runner=runner).run(None, epoch_length=3)


def test_state_dict_has_rng_states_and_loading_needs_them() -> None:
    engine = bdet.DeterministicEngine(lambda e, b: b)
    assert engine.state_dict_user_keys == ["rng_states"] and engine.state.rng_states is None
    engine.run([1, 2], max_epochs=2)
    saved = engine.state_dict()
    assert list(saved) == ["epoch_length", "iteration", "max_epochs", "rng_states"]
    random_state, torch_state, numpy_state = saved["rng_states"]
    assert random_state == random.getstate() and torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(numpy_state[1], np.random.get_state()[1])
    with pytest.raises(ValueError, match="Required user state attribute 'rng_states' is absent"):
        bdet.DeterministicEngine(lambda e, b: b).load_state_dict({"epoch_length": 2, "iteration": 1, "max_epochs": 2})


def test_the_engines_options_pass_through() -> None:
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    engine = bdet.DeterministicEngine(lambda e, b: len(e.optimizers), model=model, optimizers=optimizer,
                                      trainer_kwargs={"enable_progress_bar": False}, runner="trainer")  # fmt: skip
    assert engine.run([0, 1]).output == 1 and engine.trainer_kwargs == {"enable_progress_bar": False}
    assert be.DeterministicEngine is bdet.DeterministicEngine and "DeterministicEngine" in be.__all__
    assert set(bdet.__all__) == set(idet.__all__)
    with pytest.raises(ValueError, match="runner"):
        bdet.DeterministicEngine(lambda e, b: b, runner="nope")


# ------------------------------------------------------------------ create_supervised_trainer


@pytest.mark.parametrize("runner", RUNNERS)
def test_create_supervised_trainer_deterministic_is_ignites(runner: str) -> None:
    def weights(engines: Any, utils: Any, **options: Any) -> tuple[type, list[torch.Tensor]]:
        utils.manual_seed(3)
        model = nn.Linear(1, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        trainer = engines.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, deterministic=True,
                                                    **options)  # fmt: skip
        trainer.run(DataLoader(NoisyData(), batch_size=5, shuffle=True), max_epochs=2)
        return type(trainer), [p.detach().clone() for p in model.parameters()]

    bridge_type, bridge_weights = weights(be, bu, runner=runner)
    ignite_type, ignite_weights = weights(ie, iu)
    assert bridge_type is bdet.DeterministicEngine and ignite_type is idet.DeterministicEngine
    assert same_weights(bridge_weights, ignite_weights)
    model = nn.Linear(1, 1)
    plain = be.create_supervised_trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.functional.mse_loss)
    assert type(plain) is be.Engine and plain.trainer_kwargs == {}


# ------------------------------------------------------------------ the helpers


def test_keep_random_state_as_ignite() -> None:
    def draws() -> tuple[float, float, float]:
        return random.random(), torch.rand(1).item(), float(np.random.rand())

    def after_call(det: Any) -> tuple[Any, tuple[float, float, float]]:
        iu.manual_seed(5)
        result = det.keep_random_state(draws)()
        return result, draws()

    ignite_result, ignite_next = after_call(idet)
    bridge_result, bridge_next = after_call(bdet)
    iu.manual_seed(5)
    assert bridge_next == ignite_next == draws()  # the streams went on as if nothing was drawn
    assert ignite_result is None and bridge_result == bridge_next  # bridge also returns the function's result
    assert bdet.keep_random_state(draws).__name__ == "draws"


def test_rng_state_helpers_interchange_with_ignites() -> None:
    states = idet._get_rng_states()
    expected = torch.rand(2)
    bdet._set_rng_states(states)
    assert torch.equal(torch.rand(2), expected)
    # Ignite's digests (a slice of torch's state: Ignite's takes seconds on all of it, bridge's does not)
    states = [random.getstate(), torch.get_rng_state()[:100], np.random.get_state()]
    assert bdet._repr_rng_state(states) == idet._repr_rng_state(states)
    idet._set_rng_states(bdet._get_rng_states())


@settings(max_examples=10, deadline=None, database=None)
@given(start=st.one_of(st.none(), st.integers(0, 4)), seed=st.integers(0, 2**16), drop_last=st.booleans())
def test_reproducible_batch_sampler_as_ignite(start: Optional[int], seed: int, drop_last: bool) -> None:
    def passes(det: Any) -> tuple[Any, ...]:
        torch.manual_seed(seed)
        sampler = det.ReproducibleBatchSampler(BatchSampler(RandomSampler(range(10)), 3, drop_last), start)
        return list(sampler), sampler.start_iteration, list(sampler), len(sampler), sampler.batch_indices

    assert passes(bdet) == passes(idet)


def test_reproducible_batch_sampler_refuses_what_is_not_a_batch_sampler() -> None:
    message = "Argument batch_sampler should be torch.utils.data.sampler.BatchSampler"
    for det in (idet, bdet):
        with pytest.raises(TypeError, match=message):
            det.ReproducibleBatchSampler(SequentialSampler(range(4)))  # type: ignore[arg-type]


def test_update_dataloader_as_ignite() -> None:
    def updated(det: Any) -> tuple[Any, ...]:
        torch.manual_seed(0)
        loader = DataLoader(NoisyData(), batch_size=4, shuffle=True, drop_last=True, collate_fn=lambda items: items,
                            pin_memory=False)  # fmt: skip
        new = det.update_dataloader(loader, det.ReproducibleBatchSampler(loader.batch_sampler))
        settings = (type(new), new.dataset is loader.dataset, new.collate_fn is loader.collate_fn, new.timeout,
                    new.num_workers, new.batch_size, new.drop_last, type(new.batch_sampler).__name__)  # fmt: skip
        return settings, [[(x.item(), noise.item()) for x, noise in items] for items in new]

    assert updated(bdet) == updated(idet)


def test_update_dataloader_keeps_the_multiprocessing_context() -> None:
    loader = DataLoader(range(4), batch_size=2, num_workers=1, multiprocessing_context="spawn")
    new = bdet.update_dataloader(loader, BatchSampler(SequentialSampler(range(4)), 4, False))
    assert new.multiprocessing_context is loader.multiprocessing_context and new.num_workers == 1
    assert idet.update_dataloader(loader, new.batch_sampler).multiprocessing_context is None  # Ignite's drops it


# ------------------------------------------------------------------ Lightning's reseeding


def test_lightnings_strategy_setup_does_not_restart_the_random_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    # After seed_everything, Lightning's multi-process strategies call reset_seed() in their setup,
    # at every fit / launch: each Engine run would restart the streams from the seed. Ignite's runs
    # continue them: bridge puts the streams back once the strategy is set up.
    import pytorch_lightning as pl
    from lightning_fabric.strategies import SingleDeviceStrategy as FabricSingleDevice
    from lightning_fabric.utilities.seed import reset_seed

    class ReseedingStrategy(pl.strategies.SingleDeviceStrategy):  # as DDPStrategy.setup_distributed does
        def setup_environment(self) -> None:
            super().setup_environment()
            reset_seed()

    class FabricReseedingStrategy(FabricSingleDevice):  # as Fabric's FSDP / DeepSpeed strategies do
        def setup_environment(self) -> None:
            super().setup_environment()
            reset_seed()

    def draw(draws: list[float], engine: Any, batch: Any) -> None:
        draws.append(torch.rand(1).item())

    monkeypatch.setenv("PL_GLOBAL_SEED", "0")  # seed_everything writes it; the monkeypatch removes it after
    monkeypatch.setenv("PL_SEED_WORKERS", "0")
    pl.seed_everything(5, verbose=False)
    expected = torch.rand(4).tolist()  # what two runs of two iterations draw, as in Ignite
    for runner, strategy in (("trainer", ReseedingStrategy), ("fabric", FabricReseedingStrategy)):
        pl.seed_everything(5, verbose=False)
        draws: list[float] = []
        for _ in range(2):  # e.g. a training run, then an evaluator's
            engine = be.Engine(functools.partial(draw, draws), runner=runner,
                               trainer_kwargs={"strategy": strategy(device=torch.device("cpu"))})  # fmt: skip
            engine.run([0, 1])
        assert draws == expected, runner
