"""Ignite's public helpers (``ignite.utils``): moving nested tensors, one-hot, logging, seeding.

One file past 400 lines: it is Ignite's ``ignite.utils`` name for name, so the alias maps one
module onto one.

Example:
    >>> import torch
    >>> from bridge.utils import apply_to_tensor, to_onehot
    >>> apply_to_tensor({"x": torch.ones(2), "name": "a"}, lambda t: t * 3)
    {'x': tensor([3., 3.]), 'name': 'a'}
    >>> to_onehot(torch.tensor([0, 2]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1]], dtype=torch.uint8)
"""

from __future__ import annotations

import functools
import hashlib
import logging
import numbers
import random
import shutil
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import torch

__all__ = [
    "convert_tensor",
    "apply_to_tensor",
    "apply_to_type",
    "to_onehot",
    "setup_logger",
    "manual_seed",
    "deprecated",
    "hash_checkpoint",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _identity(x: T) -> T:
    """The default ``output_transform``: a named function, so that metrics and handlers pickle.

    Example:
        >>> _identity(3)
        3
    """
    return x


def convert_tensor(
    x: Any, device: str | torch.device | None = None, non_blocking: bool = False
) -> Any:
    """Move every tensor in ``x`` (a tensor, or nested mappings/sequences of them) to ``device``.

    Strings, bytes and the container types are kept; ``device=None`` leaves tensors where
    they are.

    Example:
        >>> batch = (torch.zeros(2), {"y": torch.ones(1)})
        >>> convert_tensor(batch, device="cpu")
        (tensor([0., 0.]), {'y': tensor([1.])})
    """

    def move(tensor: torch.Tensor) -> torch.Tensor:
        return tensor if device is None else tensor.to(device=device, non_blocking=non_blocking)

    return apply_to_tensor(x, move)


def apply_to_tensor(x: Any, func: Callable) -> Any:
    """Apply ``func`` to every tensor in ``x`` (a tensor, or nested mappings/sequences).

    Example:
        >>> apply_to_tensor([torch.tensor(1), (torch.tensor(2),)], lambda t: t + 10)
        [tensor(11), (tensor(12),)]
    """
    return apply_to_type(x, torch.Tensor, func)


def apply_to_type(x: Any, input_type: type | tuple[type, ...], func: Callable) -> Any:
    """Apply ``func`` to every object of ``input_type`` in ``x``, rebuilding the containers.

    ``x`` is an ``input_type`` object, a str/bytes (returned unchanged), or a mapping,
    namedtuple or sequence of such (nested to any depth). Anything else is a ``TypeError``.

    Example:
        >>> apply_to_type({"a": 1, "b": [2, "s"]}, int, lambda v: v * 10)
        {'a': 10, 'b': [20, 's']}
        >>> apply_to_type(1.5, int, str)
        Traceback (most recent call last):
        ...
        TypeError: x must contain <class 'int'>, dicts or lists; found <class 'float'>
    """
    if isinstance(x, input_type):
        return func(x)
    if isinstance(x, (str, bytes)):
        return x
    if isinstance(x, Mapping):
        return type(x)({k: apply_to_type(v, input_type, func) for k, v in x.items()})  # type: ignore[call-arg]
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple: fields are positional arguments
        return type(x)(*(apply_to_type(v, input_type, func) for v in x))
    if isinstance(x, Sequence):
        return type(x)([apply_to_type(v, input_type, func) for v in x])  # type: ignore[call-arg]
    raise TypeError(f"x must contain {input_type}, dicts or lists; found {type(x)}")


def to_onehot(indices: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Turn integer class indices of shape ``(N, ...)`` into a uint8 one-hot tensor ``(N, C, ...)``.

    The result is on ``indices``' device.

    Example:
        >>> to_onehot(torch.tensor([[0, 1], [1, 1]]), num_classes=2).shape
        torch.Size([2, 2, 2])
        >>> to_onehot(torch.tensor([3]), num_classes=3)
        Traceback (most recent call last):
        ...
        ValueError: to_onehot: indices must lie in [0, 3), got values in [3, 3]
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"to_onehot: num_classes must be a positive int, got {num_classes!r}")
    if not isinstance(indices, torch.Tensor) or indices.dtype.is_floating_point or indices.dtype.is_complex:
        what = indices.dtype if isinstance(indices, torch.Tensor) else type(indices)
        raise TypeError(f"to_onehot: indices must be an integer tensor, got {what}")
    if indices.dim() == 0:
        raise ValueError("to_onehot: indices must have a batch dimension (N, ...), got a 0-d tensor")
    # Checked here because scatter_ reports it obscurely (and as a device assert on CUDA).
    if indices.numel() > 0:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_classes:
            raise ValueError(f"to_onehot: indices must lie in [0, {num_classes}), got values in [{low}, {high}]")
    shape = (indices.shape[0], num_classes) + tuple(indices.shape[1:])
    onehot = torch.zeros(shape, dtype=torch.uint8, device=indices.device)
    return onehot.scatter_(1, indices.long().unsqueeze(1), 1)


def setup_logger(
    name: str | None = "bridge",
    level: int = logging.INFO,
    stream: TextIO | None = None,
    format: str = "%(asctime)s %(name)s %(levelname)s: %(message)s",
    filepath: str | None = None,
    distributed_rank: int | None = None,
    reset: bool = False,
    encoding: str | None = "utf-8",
) -> logging.Logger:
    """Configure and return the logger ``name`` the way Ignite does.

    On rank 0 the logger gets ``level``, a stream handler (``stream``, default stderr) and,
    with ``filepath``, a file handler, all with ``format``; it stops propagating to the
    root logger. On other ranks it only gets a ``NullHandler`` so that workers stay quiet.
    An existing logger keeps its configuration unless ``reset=True``.
    ``distributed_rank=None`` asks :func:`bridge.distributed.get_rank`.

    The default name is ``"bridge"`` (Ignite's is ``"ignite"``): configuring it configures
    the loggers of bridge's own modules, as Ignite's default does for Ignite's.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> log = setup_logger("doc-example", stream=out, format="%(name)s: %(message)s", reset=True)
        >>> log.info("hello")
        >>> out.getvalue()
        'doc-example: hello\\n'
    """
    existing = name is None or name in logging.root.manager.loggerDict
    logger = logging.getLogger(name)

    if distributed_rank is None:
        from bridge.distributed import get_rank  # lazy: bridge.distributed imports this module

        distributed_rank = get_rank()

    if distributed_rank > 0 or reset:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    if distributed_rank > 0:
        logger.addHandler(logging.NullHandler())  # no duplicated messages from workers

    if existing and not reset:
        return logger

    if distributed_rank == 0:
        logger.setLevel(level)
        formatter = logging.Formatter(format)
        handlers: list[logging.Handler] = [logging.StreamHandler(stream=stream)]
        if filepath is not None:
            handlers.append(logging.FileHandler(filepath, encoding=encoding))
        for handler in handlers:
            handler.setLevel(level)
            handler.setFormatter(formatter)
            logger.addHandler(handler)

    if name is not None:
        logger.propagate = False  # our handlers print it; the root logger would print it twice
    return logger


def manual_seed(seed: int) -> None:
    """Seed ``random``, ``torch`` (CPU and all CUDA devices) and ``numpy`` if it is installed.

    Example:
        >>> manual_seed(7); a = torch.rand(1)
        >>> manual_seed(7); bool(torch.equal(a, torch.rand(1)))
        True
    """
    random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    try:
        import numpy as np
    except ImportError:
        return
    np.random.seed(seed)


def deprecated(
    deprecated_in: str, removed_in: str = "", reasons: tuple[str, ...] = (), raise_exception: bool = False
) -> Callable[[F], F]:
    """Decorator that marks a function deprecated: it warns (or raises) when called.

    The wrapper emits a ``DeprecationWarning`` (raises it with ``raise_exception=True``)
    and prepends a deprecation note to the docstring.

    Example:
        >>> @deprecated("0.1", "0.2", reasons=("use new_fn",))
        ... def old_fn() -> int:
        ...     return 1
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     old_fn()
        1
        >>> str(caught[0].message).splitlines()[0]
        'This function has been deprecated since version 0.1 and will be removed in version 0.2.'
    """
    message = (
        f"This function has been deprecated since version {deprecated_in}"
        + (f" and will be removed in version {removed_in}" if removed_in else "")
        + ".\n Please refer to the documentation for more details."
    )

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if raise_exception:
                raise DeprecationWarning(message)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        note = f".. deprecated:: {deprecated_in}" + ("\n\n\t" if reasons else "")
        note += "".join(f"\n\t- {reason}" for reason in reasons)
        wrapper.__doc__ = f"**Deprecated function**.\n\n    {func.__doc__ or ''}{note}"
        return wrapper  # type: ignore[return-value]

    return decorator


def hash_checkpoint(checkpoint_path: str | Path, output_dir: str | Path) -> tuple[Path, str]:
    """Move a checkpoint to ``output_dir/<stem>-<sha256[:8]>.pt``, as ``torch.hub`` expects.

    Returns the new path and the full SHA-256 hex digest. ``output_dir`` is created if
    needed.

    Example:
        >>> import tempfile
        >>> tmp = Path(tempfile.mkdtemp())
        >>> torch.save({"w": 1}, tmp / "model.pt")
        >>> path, digest = hash_checkpoint(tmp / "model.pt", tmp / "hashed")
        >>> path.name == f"model-{digest[:8]}.pt"
        True
    """
    checkpoint_path = Path(checkpoint_path)
    output_dir = Path(output_dir)
    if not checkpoint_path.exists():
        raise FileNotFoundError(f"{checkpoint_path.name} does not exist in {checkpoint_path.parent}.")
    output_dir.mkdir(parents=True, exist_ok=True)

    sha = hashlib.sha256()
    with checkpoint_path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            sha.update(block)
    digest = sha.hexdigest()

    target = output_dir / f"{checkpoint_path.stem}-{digest[:8]}.pt"
    shutil.move(str(checkpoint_path), target)
    return target, digest


# Underscored helpers of ignite.utils that client code and Ignite's own handlers import.


def _to_str_list(data: Any) -> list[str]:
    """Nested numbers, tensors, dicts and sequences as readable strings, Ignite's format (4 decimals).

    A dict gives one ``"key: value"`` entry per key; a sequence one entry of its items joined
    by ", "; a 1-d tensor its values (the first 10, then "..."); a larger tensor its shape.

    Example:
        >>> _to_str_list({"loss": 0.5, "acc": torch.tensor([1.0, 0.5]), "x": torch.zeros(2, 2)})
        ['loss: 0.5000', 'acc: [1.0000, 0.5000]', 'x: Shape[2, 2]']
    """
    if isinstance(data, numbers.Number):
        return [f"{data:.4f}"]
    out: list[str] = []
    _append_formatted(data, "", out)
    return out


def _format_leaf(item: Any, prefix: str) -> str | None:
    if isinstance(item, numbers.Number):
        return f"{prefix}{item:.4f}"
    if torch.is_tensor(item):
        if item.dim() == 0:
            return f"{prefix}{item.item():.4f}"
        if item.dim() == 1:
            shown = ", ".join(f"{x.item():.4f}" for x in item[:10])
            return f"{prefix}[{shown}{', ...' if item.size(0) > 10 else ''}]"
        return f"{prefix}Shape{list(item.shape)}"
    return None


def _append_formatted(item: Any, prefix: str, out: list[str]) -> None:
    """Containers add their entries to ``out``; leaves are formatted by :func:`_format_leaf` (Ignite's nesting)."""
    if isinstance(item, dict):
        for key, value in item.items():
            leaf = _format_leaf(value, f"{key}: ")
            if leaf is not None:
                out.append(leaf)
            else:
                _append_formatted(value, f"{key}: ", out)
    elif isinstance(item, (list, tuple)):
        if item:
            parts = [part for part in (_format_leaf(x, "") for x in item) if part is not None]
            for x in item:
                if _format_leaf(x, "") is None:
                    _append_formatted(x, "", out)
            if parts:
                out.append(prefix + ", ".join(parts))
        elif prefix:
            out.append(prefix)
    elif item is None and prefix:
        out.append(prefix)


def _tree_map(func: Callable, x: Any, key: int | str | None = None) -> Any:
    """Apply ``func(leaf, key=...)`` to every leaf of nested mappings and sequences, keeping their types.

    Example:
        >>> _tree_map(lambda v, key: (key, v * 2), {"a": [1, 2], "b": 3})
        {'a': [(0, 2), (1, 4)], 'b': ('b', 6)}
    """
    if isinstance(x, Mapping):
        return type(x)({k: _tree_map(func, v, key=k) for k, v in x.items()})  # type: ignore[call-arg]
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple takes its fields positionally
        return type(x)(*(_tree_map(func, v) for v in x))
    if isinstance(x, Sequence):
        return type(x)([_tree_map(func, v, key=i) for i, v in enumerate(x)])  # type: ignore[call-arg]
    return func(x, key=key)


class _CollectionItem:
    """A slot of a dict or list: read and written in place (Ignite's helper for ``_tree_apply2``).

    Example:
        >>> d = {"n": 1}
        >>> item = _CollectionItem(d, "n")
        >>> item.load_value(item.value() + 1); d
        {'n': 2}
    """

    types_as_collection_item: tuple[type, ...] = (int, float, torch.Tensor)

    def __init__(self, collection: dict | list, key: int | str) -> None:
        if not isinstance(collection, (dict, list)):
            raise TypeError(
                f"Input type is expected to be a mapping or list, but got {type(collection)} for input key '{key}'."
            )
        if isinstance(collection, list) and isinstance(key, str):
            raise ValueError("Key should be int for collection of type list")
        self.collection, self.key = collection, key

    def load_value(self, value: Any) -> None:
        self.collection[self.key] = value  # type: ignore[index]

    def value(self) -> Any:
        return self.collection[self.key]  # type: ignore[index]

    @staticmethod
    def wrap(collection: dict | list, key: int | str, value: Any) -> Any:
        """The slot itself for a number, tensor or None (so ``func`` can replace it), else ``value``."""
        if value is None or isinstance(value, _CollectionItem.types_as_collection_item):
            return _CollectionItem(collection, key)
        return value


def _tree_apply2(func: Callable, x: Any, y: Any) -> None:
    """Walk ``x`` and ``y`` together, calling ``func(x_part, y_part)`` at ``x``'s leaves (slots of ``x`` where they are numbers).

    Example:
        >>> x = {"a": [1, 2]}
        >>> _tree_apply2(lambda slot, v: slot.load_value(slot.value() + v), x, {"a": [10, 20]}); x
        {'a': [11, 22]}
    """
    if isinstance(x, dict) and isinstance(y, Mapping):
        for k, v in x.items():
            if k not in y:
                raise ValueError(f"Key '{k}' from x is not found in y: {y.keys()}")
            _tree_apply2(func, _CollectionItem.wrap(x, k, v), y[k])
    elif isinstance(x, list) and isinstance(y, Sequence):
        if len(x) != len(y):
            raise ValueError(f"Size of y: {len(y)} does not match the size of x: '{len(x)}'")
        for i, (v1, v2) in enumerate(zip(x, y)):
            _tree_apply2(func, _CollectionItem.wrap(x, i, v1), v2)
    else:
        func(x, y)
