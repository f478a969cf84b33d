"""Underscored and less-used names of ignite.engine / ignite.utils that client code imports: same results as Ignite's."""

from __future__ import annotations

import warnings
from typing import Any

import ignite.engine as ie
import ignite.utils as iu
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import bridge.engine as be
import bridge.utils as bu

leaves = st.one_of(st.none(), st.integers(-5, 5), st.floats(-3, 3), st.text(max_size=2),
                   st.lists(st.floats(-1, 1), max_size=12).map(torch.tensor), st.just(torch.zeros(2, 3)))  # fmt: skip
trees = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                                                     st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
                     max_leaves=8)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(trees)
def test_to_str_list_formats_as_ignite(data: Any) -> None:
    assert bu._to_str_list(data) == iu._to_str_list(data)


# no strings: a string is a sequence of strings, which Ignite's _tree_map recurses into without end
numeric_trees = st.recursive(st.one_of(st.none(), st.integers(-5, 5), st.floats(-3, 3)),
                             lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                                                     st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
                             max_leaves=8)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(numeric_trees)
def test_tree_map_maps_as_ignite(data: Any) -> None:
    def f(x: Any, key: Any = None) -> Any:
        return (key, repr(x))

    assert bu._tree_map(f, data) == iu._tree_map(f, data)


def test_tree_apply2_and_collection_item_as_ignite() -> None:
    results = []
    for utils in (iu, bu):
        x = {"a": [1, 2.0, None], "b": {"c": torch.tensor(1.0)}}
        utils._tree_apply2(lambda slot, v: slot.load_value(v if slot.value() is None else slot.value() + v), x,
                           {"a": [10, 20, 5], "b": {"c": 3}})  # fmt: skip
        results.append(repr(x))
        with pytest.raises(ValueError, match="Key 'z' from x is not found in y"):
            utils._tree_apply2(print, {"z": 1}, {})
        with pytest.raises(ValueError, match="Size of y: 1 does not match the size of x: '2'"):
            utils._tree_apply2(print, [1, 2], [1])
        with pytest.raises(ValueError, match="Key should be int for collection of type list"):
            utils._CollectionItem([1], "a")
        with pytest.raises(TypeError, match="Input type is expected to be a mapping or list"):
            utils._CollectionItem((1,), 0)
    assert results[0] == results[1]


@pytest.mark.parametrize("scaler", [None, True])
def test_the_amp_training_step_trains_as_ignites(scaler: Any) -> None:
    weights = []
    for engines in (ie, be):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        amp_scaler = torch.amp.GradScaler(enabled=False) if scaler else None  # no CUDA here: a pass-through scaler
        update = engines.supervised_training_step_amp(model, optimizer, torch.nn.functional.mse_loss, scaler=amp_scaler,
                                                      gradient_accumulation_steps=2)  # fmt: skip
        evaluate = engines.supervised_evaluation_step_amp(model)
        data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(6)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # autocast("cuda") without CUDA warns and disables itself
            loss = engines.Engine(update).run(data, max_epochs=2).output
            y_pred = engines.Engine(evaluate).run(data[:1]).output[0]
        weights.append((loss, y_pred.tolist(), [p.tolist() for p in model.parameters()]))
    assert weights[0] == weights[1]


def test_check_arg_as_ignite() -> None:
    for args in [(False, False, None, None), (False, False, "amp", None), (False, True, None, None)]:
        assert be._check_arg(*args) == ie._check_arg(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no CUDA here: the scaler disables itself
        amp, scaler = be._check_arg(False, False, "amp", True)
    assert amp == "amp" and isinstance(scaler, torch.amp.GradScaler)
    for engines in (ie, be):
        with pytest.raises(ValueError, match="amp_mode cannot be used with mps device"):
            engines._check_arg(False, True, "amp", None)
        with pytest.raises(ValueError, match="scaler argument is True, but amp_mode is None"):
            engines._check_arg(False, False, None, True)
        with pytest.raises(RuntimeError, match="In order to run on TPU, please install PyTorch XLA"):
            engines._check_arg(True, False, None, None)


def test_apex_and_tpu_steps_say_what_is_missing_as_ignite() -> None:
    for engines in (ie, be):
        with pytest.raises(ModuleNotFoundError, match="Please install apex"):
            engines.supervised_training_step_apex(torch.nn.Linear(1, 1), None, None)
        with pytest.raises(ModuleNotFoundError, match="torch_xla cannot be imported"):
            engines.supervised_training_step_tpu(torch.nn.Linear(1, 1), None, None)


def test_the_budget_setters_clients_call_when_resuming() -> None:
    for engines in (ie, be):
        engine = engines.Engine(lambda e, b: b)
        engine.load_state_dict({"epoch": 2, "max_epochs": 2, "epoch_length": 3})
        engine._check_and_set_max_epochs(4)
        assert engine.run([1, 2, 3]).iteration == 12
        with pytest.raises(ValueError, match="Argument max_epochs should be greater than or equal to the start epoch"):
            engine._check_and_set_max_epochs(1)
        other = engines.Engine(lambda e, b: b)
        other._check_and_set_max_iters(5)
        assert other.state.max_iters == 5
        with pytest.raises(ValueError, match="Argument max_iters is invalid"):
            other._check_and_set_max_iters(0)
