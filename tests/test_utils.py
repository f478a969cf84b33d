"""bridge.utils, bridge.exceptions and bridge.base against their pytorch-ignite counterparts.

Each helper is run on the same inputs as ``ignite.utils`` / ``ignite.base`` and must give the
same result (values, container types, messages); bridge's extra input checks are tested on
their own.
"""

from __future__ import annotations

import doctest
import io
import logging
import random
import shutil
import uuid
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

with warnings.catch_warnings():  # importing ignite trips torch.jit deprecation warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.base
    import ignite.exceptions
    import ignite.utils

import bridge.base
import bridge.base.mixins
import bridge.exceptions
import bridge.utils

Point = namedtuple("Point", ["x", "y"])

NESTED_INPUTS: list[Any] = [
    torch.tensor([1.0, 2.0]),
    [torch.ones(2), torch.zeros(1)],
    (torch.ones(1), "label", b"raw"),
    {"a": torch.ones(1), "b": [torch.zeros(2), {"c": torch.full((2,), 3.0)}]},
    OrderedDict(z=torch.ones(1), a=torch.zeros(1)),
    Point(x=torch.ones(2), y=[torch.zeros(1)]),
    "just a string",
    b"bytes",
    [],
    {},
]


def assert_same_tree(ours: Any, theirs: Any) -> None:
    assert type(ours) is type(theirs)
    if isinstance(ours, torch.Tensor):
        assert ours.dtype == theirs.dtype and ours.device == theirs.device
        assert torch.equal(ours, theirs)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs)
        for k in ours:
            assert_same_tree(ours[k], theirs[k])
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_tree(a, b)
    else:
        assert ours == theirs


@pytest.fixture
def logger_names() -> Iterator[Callable[[], str]]:
    """Fresh logger names; their handlers (open log files included) are closed afterwards."""
    names: list[str] = []

    def make() -> str:
        names.append(f"test-bridge-{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield make
    for name in names:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


# ------------------------------------------------------------------------- tensors and trees


@pytest.mark.parametrize("x", NESTED_INPUTS, ids=lambda x: type(x).__name__)
def test_convert_and_apply_to_tensor_match_ignite(x: Any) -> None:
    assert_same_tree(bridge.utils.convert_tensor(x, device="cpu"), ignite.utils.convert_tensor(x, device="cpu"))
    assert_same_tree(bridge.utils.convert_tensor(x), ignite.utils.convert_tensor(x))
    double = lambda t: t * 2  # noqa: E731
    assert_same_tree(bridge.utils.apply_to_tensor(x, double), ignite.utils.apply_to_tensor(x, double))


def test_convert_tensor_passes_dtype_and_device_through() -> None:
    t = torch.ones(2)
    assert bridge.utils.convert_tensor(t) is t  # device=None: untouched
    assert bridge.utils.convert_tensor({"t": t}, device=torch.device("cpu"))["t"].device.type == "cpu"


@pytest.mark.parametrize(
    "x, input_type",
    [
        ({"a": 1, "b": [2, (3, "s")]}, int),
        ([1.5, {"k": 2.5}], float),
        (Point(x=1, y=2), int),
        ((1, 2.0), (int, float)),
    ],
)
def test_apply_to_type_matches_ignite(x: Any, input_type: Any) -> None:
    fn = lambda v: v * 10  # noqa: E731
    assert_same_tree(bridge.utils.apply_to_type(x, input_type, fn), ignite.utils.apply_to_type(x, input_type, fn))


@pytest.mark.parametrize("bad", [1.5, object(), {1, 2}, None])
def test_apply_to_type_rejects_unsupported_leaves_like_ignite(bad: Any) -> None:
    with pytest.raises(TypeError) as ours:
        bridge.utils.apply_to_tensor([bad], lambda t: t)
    with pytest.raises(TypeError) as theirs:
        ignite.utils.apply_to_tensor([bad], lambda t: t)
    assert str(ours.value) == str(theirs.value)
    assert "x must contain" in str(ours.value)


# ------------------------------------------------------------------------- to_onehot


@pytest.mark.parametrize("shape, num_classes", [((5,), 3), ((4, 2), 4), ((2, 3, 5), 6), ((0,), 2)])
def test_to_onehot_matches_ignite(shape: tuple[int, ...], num_classes: int) -> None:
    indices = torch.randint(0, num_classes, shape)
    ours = bridge.utils.to_onehot(indices, num_classes)
    theirs = ignite.utils.to_onehot(indices, num_classes)
    assert ours.dtype == theirs.dtype == torch.uint8
    assert torch.equal(ours, theirs)


def test_to_onehot_accepts_int32_indices() -> None:
    out = bridge.utils.to_onehot(torch.tensor([1, 0], dtype=torch.int32), 2)
    assert out.tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize(
    "indices, num_classes, error, match",
    [
        (torch.tensor([0, 1]), 0, ValueError, "num_classes must be a positive int"),
        (torch.tensor([0, 1]), 2.0, ValueError, "num_classes must be a positive int"),
        (torch.tensor([0.0, 1.0]), 2, TypeError, "indices must be an integer tensor"),
        ([0, 1], 2, TypeError, "indices must be an integer tensor"),
        (torch.tensor(1), 2, ValueError, "must have a batch dimension"),
        (torch.tensor([0, 3]), 3, ValueError, r"must lie in \[0, 3\), got values in \[0, 3\]"),
        (torch.tensor([-1, 0]), 3, ValueError, r"got values in \[-1, 0\]"),
    ],
)
def test_to_onehot_rejects_bad_input_clearly(indices: Any, num_classes: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        bridge.utils.to_onehot(indices, num_classes)


# ------------------------------------------------------------------------- seeding


def draw() -> tuple[float, list[float], list[float]]:
    return random.random(), torch.rand(3).tolist(), np.random.rand(2).tolist()


def test_manual_seed_seeds_random_torch_and_numpy_like_ignite() -> None:
    ignite.utils.manual_seed(123)
    theirs = draw()
    bridge.utils.manual_seed(123)
    assert draw() == theirs
    bridge.utils.manual_seed(124)
    assert draw() != theirs


# ------------------------------------------------------------------------- setup_logger


def logger_shape(logger: logging.Logger) -> tuple[Any, ...]:
    return (
        logger.level,
        logger.propagate,
        [(type(h).__name__, h.level, getattr(h.formatter, "_fmt", None)) for h in logger.handlers],
    )


@pytest.mark.parametrize("rank", [0, 1])
def test_setup_logger_configures_like_ignite(rank: int, tmp_path: Path, logger_names: Callable[[], str]) -> None:
    kwargs = dict(level=logging.DEBUG, format="%(name)s|%(message)s", distributed_rank=rank, stream=io.StringIO())
    ours = bridge.utils.setup_logger(logger_names(), filepath=str(tmp_path / "a.log"), **kwargs)
    theirs = ignite.utils.setup_logger(logger_names(), filepath=str(tmp_path / "b.log"), **kwargs)
    assert logger_shape(ours) == logger_shape(theirs)


def test_setup_logger_writes_to_stream_and_file(tmp_path: Path, logger_names: Callable[[], str]) -> None:
    stream = io.StringIO()
    name = logger_names()
    log_file = str(tmp_path / "x.log")
    logger = bridge.utils.setup_logger(name, stream=stream, format="%(name)s: %(message)s", filepath=log_file)
    logger.info("hello")
    logger.debug("not shown at INFO")
    assert stream.getvalue() == f"{name}: hello\n"
    assert (tmp_path / "x.log").read_text(encoding="utf-8") == f"{name}: hello\n"


def test_setup_logger_keeps_an_existing_logger_unless_reset(logger_names: Callable[[], str]) -> None:
    first, second = io.StringIO(), io.StringIO()
    name = logger_names()
    logger = bridge.utils.setup_logger(name, stream=first, format="A %(message)s")
    assert bridge.utils.setup_logger(name, stream=second, format="B %(message)s") is logger
    logger.info("one")
    bridge.utils.setup_logger(name, stream=second, format="B %(message)s", reset=True)
    logger.info("two")
    assert first.getvalue() == "A one\n"
    assert second.getvalue() == "B two\n"


def test_setup_logger_is_silent_on_other_ranks(logger_names: Callable[[], str]) -> None:
    stream = io.StringIO()
    logger = bridge.utils.setup_logger(logger_names(), stream=stream, distributed_rank=1)
    logger.warning("worker noise")
    assert stream.getvalue() == ""
    assert [type(h) for h in logger.handlers] == [logging.NullHandler]


def test_setup_logger_default_rank_comes_from_bridge_distributed(logger_names: Callable[[], str]) -> None:
    stream = io.StringIO()
    logger = bridge.utils.setup_logger(logger_names(), stream=stream, format="%(message)s")
    logger.info("rank 0 speaks")  # serial process: rank 0
    assert stream.getvalue() == "rank 0 speaks\n"


# ------------------------------------------------------------------------- deprecated, hash_checkpoint


def make_deprecated(module: Any, **kwargs: Any) -> Any:
    @module.deprecated("0.4", "0.6", reasons=("use new()",), **kwargs)
    def old(x: int) -> int:
        """Old function."""
        return x + 1

    return old


def test_deprecated_warns_and_documents_like_ignite() -> None:
    ours, theirs = make_deprecated(bridge.utils), make_deprecated(ignite.utils)
    with pytest.warns(DeprecationWarning) as ours_warnings:
        assert ours(1) == 2
    with pytest.warns(DeprecationWarning) as theirs_warnings:
        theirs(1)
    assert str(ours_warnings[0].message) == str(theirs_warnings[0].message)
    assert ours.__doc__ == theirs.__doc__
    assert ours.__name__ == "old"


def test_deprecated_can_raise() -> None:
    with pytest.raises(DeprecationWarning, match="deprecated since version 0.4 and will be removed in version 0.6"):
        make_deprecated(bridge.utils, raise_exception=True)(1)


def test_hash_checkpoint_matches_ignite(tmp_path: Path) -> None:
    for name in ("ours", "theirs"):
        (tmp_path / name).mkdir()
        torch.save({"w": torch.arange(5)}, tmp_path / name / "model.pt")
    shutil.copy(tmp_path / "ours" / "model.pt", tmp_path / "theirs" / "model.pt")  # byte-identical inputs

    ours_path, ours_hash = bridge.utils.hash_checkpoint(tmp_path / "ours" / "model.pt", str(tmp_path / "out1"))
    theirs_path, theirs_hash = ignite.utils.hash_checkpoint(tmp_path / "theirs" / "model.pt", str(tmp_path / "out2"))
    assert (ours_path.name, ours_hash) == (theirs_path.name, theirs_hash)
    assert ours_path.exists() and not (tmp_path / "ours" / "model.pt").exists()


def test_hash_checkpoint_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.pt does not exist"):
        bridge.utils.hash_checkpoint(tmp_path / "nope.pt", tmp_path)


# ------------------------------------------------------------------------- exceptions and base


def test_not_computable_error_is_a_runtime_error() -> None:
    assert issubclass(bridge.exceptions.NotComputableError, RuntimeError)
    assert bridge.exceptions.__all__ == ignite.exceptions.__all__


class Ours(bridge.base.Serializable):
    _state_dict_all_req_keys = ("a",)
    _state_dict_one_of_opt_keys = (("b", "c"),)


class Theirs(ignite.base.Serializable):
    _state_dict_all_req_keys = ("a",)
    _state_dict_one_of_opt_keys = (("b", "c"),)


class OursFlat(bridge.base.Serializable):
    _state_dict_one_of_opt_keys = ("b", "c")  # type: ignore[assignment]


class TheirsFlat(ignite.base.Serializable):
    _state_dict_one_of_opt_keys = ("b", "c")  # type: ignore[assignment]


class OursEmptyGroup(bridge.base.Serializable):
    _state_dict_one_of_opt_keys = ((),)


class TheirsEmptyGroup(ignite.base.Serializable):
    _state_dict_one_of_opt_keys = ((),)


@pytest.mark.parametrize(
    "pair",
    [(Ours, Theirs), (OursFlat, TheirsFlat), (OursEmptyGroup, TheirsEmptyGroup)],
    ids=["groups", "flat", "empty"],
)
@pytest.mark.parametrize("state", [{"a": 1, "b": 2}, {"a": 1}, {"b": 2}, {"a": 1, "b": 2, "c": 3}, [("a", 1)]])
def test_serializable_validation_matches_ignite(pair: tuple[type, type], state: Any) -> None:
    outcomes = []
    for cls in pair:
        try:
            cls().load_state_dict(state)
            outcomes.append(None)
        except (TypeError, ValueError) as e:
            outcomes.append((type(e), str(e).replace(cls.__name__, "X")))
    assert outcomes[0] == outcomes[1]


def test_serializable_state_dict_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        bridge.base.Serializable().state_dict()


def test_resettable_handler_requires_reset_and_attach() -> None:
    with pytest.raises(TypeError, match="abstract"):
        bridge.base.ResettableHandler()  # type: ignore[abstract]

    class Handler(bridge.base.ResettableHandler):
        def reset(self) -> None:
            pass

        def attach(self, engine: Any, *args: Any, **kwargs: Any) -> None:
            pass

    Handler()


@pytest.mark.parametrize("module", [bridge.utils, bridge.exceptions, bridge.base.mixins])
def test_docstring_examples_run(module: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # deprecated()'s example warns on purpose
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
