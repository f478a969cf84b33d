"""What bridge's Ignite loggers share: a client made on first use, and the values their handlers write.

:class:`ClientLogger` is a :class:`~bridge.handlers.base_logger.BaseLogger` whose client (a
tracking run, an experiment) is made on first use. Ignite's loggers start their run in the
constructor; a script builds its loggers on every process, before the processes join their
group, and only rank 0 logs (``BaseLogger.attach``), so making the client on first use means
the other ranks never start a run. The constructor still checks that the client package is
installed, so a missing one fails at once with Ignite's error.

The TensorBoard, MLflow, W&B, Polyaxon and Neptune loggers are ``ClientLogger`` s. The
functions below compute what the handlers of every logger (Visdom's, ClearML's and
:mod:`bridge.lightning.loggers`' too) write: the checked ``global_step``, one value per
optimizer group, one value or tensor per model parameter, named as Ignite names them.

Example:
    >>> class Recorder(ClientLogger):
    ...     def _create_client(self): return []
    ...     def _create_output_handler(self, *a, **k): raise NotImplementedError
    ...     def _create_opt_params_handler(self, *a, **k): raise NotImplementedError
    >>> logger = Recorder()
    >>> logger.client_made
    False
    >>> logger.append("first use makes the client")  # unknown attributes are the client's
    >>> logger.client_made, logger._client_or_create()
    (True, ['first use makes the client'])
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any, Optional, Union

import torch
from torch import nn

from bridge.handlers.base_logger import (
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseWeightsHandler,
    BaseWeightsScalarHandler,
)

__all__ = [
    "ClientLogger",
    "checked_step",
    "optimizer_params",
    "parameter_histograms",
    "parameter_scalars",
    "parameter_tensors",
    "tag_prefix",
]


class ClientLogger(BaseLogger):
    """A logger whose client is made by :meth:`_create_client` on first use, on the process that logs.

    Attributes the logger lacks are read from :meth:`_forward_target` (the client by default),
    as Ignite's ``__getattr__`` does; reading one makes the client. A pickled logger (Lightning's
    ``ddp_spawn``) leaves its client behind, which holds connections and threads: the copy makes
    its own on first use. :meth:`close` releases the client only if one was made.

    Subclasses keep their own state in attributes named ``_client*`` (never forwarded, so a
    half-built or half-unpickled logger does not recurse into the client).

    Example:
        >>> import copy
        >>> class Recorder(ClientLogger):
        ...     def _create_client(self): return {"made": True}
        ...     def _close_client(self, client): print("closed", client)
        ...     def _create_output_handler(self, *a, **k): raise NotImplementedError
        ...     def _create_opt_params_handler(self, *a, **k): raise NotImplementedError
        >>> logger = Recorder()
        >>> logger.close()  # nothing made, nothing closed
        >>> sorted(logger.keys())
        ['made']
        >>> copy.copy(logger).client_made  # a copy (or a pickled one) makes its own
        False
        >>> logger.close()
        closed {'made': True}
    """

    _client: Any = None
    _client_made: bool = False

    @abstractmethod
    def _create_client(self) -> Any:
        """Make the client (start the run); called once, on first use."""

    def _close_client(self, client: Any) -> None:
        """Release ``client`` (end the run); called by :meth:`close` if it was made."""

    def _forward_target(self) -> Any:
        """The object unknown attributes are read from: the client (made now if needed)."""
        return self._client_or_create()

    @property
    def client_made(self) -> bool:
        """Whether this logger has made its client (on this process).

        Example:
            >>> class Lazy(ClientLogger):
            ...     def _create_client(self): return object()
            ...     def _create_output_handler(self, *a, **k): raise NotImplementedError
            ...     def _create_opt_params_handler(self, *a, **k): raise NotImplementedError
            >>> Lazy().client_made
            False
        """
        return self._client_made

    def _client_or_create(self) -> Any:
        if not self._client_made:
            self._client = self._create_client()
            self._client_made = True
        return self._client

    def __getattr__(self, name: str) -> Any:
        # only names the logger lacks get here; its own may be missing while it is built or unpickled
        if name.startswith("__") or name.startswith("_client"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(self._forward_target(), name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state.pop("_client", None)
        state.pop("_client_made", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)

    def close(self) -> None:
        """End the client's run if this logger made one (otherwise there is nothing to end).

        Example:
            >>> class Lazy(ClientLogger):
            ...     def _create_client(self): return object()
            ...     def _close_client(self, client): print("closed")
            ...     def _create_output_handler(self, *a, **k): raise NotImplementedError
            ...     def _create_opt_params_handler(self, *a, **k): raise NotImplementedError
            >>> Lazy().close()
        """
        if self._client_made:
            self._close_client(self._client)


def checked_step(step: Any) -> int:
    """The step a ``global_step_transform`` gave, refused unless it is an ``int`` (Ignite's check).

    Example:
        >>> checked_step(3)
        3
        >>> checked_step(3.0)
        Traceback (most recent call last):
        ...
        TypeError: global_step must be int, got <class 'float'>. Please check the output of global_step_transform.
    """
    if not isinstance(step, int):
        raise TypeError(
            f"global_step must be int, got {type(step)}. Please check the output of global_step_transform."
        )
    return step


def optimizer_params(handler: BaseOptimizerParamsHandler, sep: str = "/") -> dict[str, float]:
    """``{"<tag><sep><param><sep>group_<i>": value}`` for each of the handler's optimizer groups.

    Example:
        >>> from types import SimpleNamespace
        >>> from torch import nn
        >>> optimizer = torch.optim.SGD([{"params": [nn.Parameter(torch.ones(1))], "lr": 0.5},
        ...                              {"params": [nn.Parameter(torch.ones(1))]}], lr=0.1)
        >>> handler = SimpleNamespace(optimizer=optimizer, param_name="lr", tag="gen")
        >>> optimizer_params(handler)
        {'gen/lr/group_0': 0.5, 'gen/lr/group_1': 0.1}
        >>> handler.tag = None
        >>> optimizer_params(handler, sep=" ")
        {'lr group_0': 0.5, 'lr group_1': 0.1}
    """
    prefix = f"{handler.tag}{sep}" if handler.tag else ""
    return {
        f"{prefix}{handler.param_name}{sep}group_{i}": float(group[handler.param_name])
        for i, group in enumerate(handler.optimizer.param_groups)
    }


def tag_prefix(tag: Optional[str]) -> str:
    """``"<tag>/"``, the start of every name a handler with ``tag`` logs (nothing without a tag).

    Example:
        >>> tag_prefix("generator"), tag_prefix(None)
        ('generator/', '')
    """
    return f"{tag}/" if tag else ""


def parameter_tensors(
    parameters: Iterable[tuple[str, nn.Parameter]], grads: bool
) -> Iterator[tuple[str, torch.Tensor]]:
    """``(name, parameter.data)`` of each parameter or, with ``grads``, ``(name, parameter.grad)`` of each that has one.

    Example:
        >>> model = torch.nn.Linear(1, 1)
        >>> [name for name, _ in parameter_tensors(model.named_parameters(), grads=False)]
        ['weight', 'bias']
        >>> list(parameter_tensors(model.named_parameters(), grads=True))  # no gradient yet
        []
    """
    for name, parameter in parameters:
        tensor = parameter.grad if grads else parameter.data
        if tensor is not None:
            yield name, tensor


def parameter_scalars(
    handler: BaseWeightsScalarHandler, grads: bool, parameters: Optional[Iterable[tuple[str, nn.Parameter]]] = None
) -> dict[str, Union[float, torch.Tensor]]:
    """``{"<tag>/weights_<reduction>/<name>": reduction(p.data)}`` for the handler's parameters (``handler.weights``).

    With ``grads``, ``"grads_<reduction>"`` of the gradients, parameters without one left out.
    ``parameters`` replaces ``handler.weights``. Names use "/" for ".".

    Example:
        >>> from types import SimpleNamespace
        >>> model = torch.nn.Linear(1, 1)
        >>> handler = SimpleNamespace(weights=tuple(model.named_parameters()), reduction=torch.norm, tag="net")
        >>> sorted(parameter_scalars(handler, grads=False))
        ['net/weights_norm/bias', 'net/weights_norm/weight']
        >>> parameter_scalars(handler, grads=True)  # no gradient yet
        {}
    """
    prefix = f"{tag_prefix(handler.tag)}{'grads' if grads else 'weights'}_{handler.reduction.__name__}/"
    named = handler.weights if parameters is None else parameters
    return {
        prefix + name.replace(".", "/"): handler.reduction(tensor) for name, tensor in parameter_tensors(named, grads)
    }


def parameter_histograms(handler: BaseWeightsHandler, grads: bool) -> dict[str, torch.Tensor]:
    """``{"<tag>/weights/<name>": p.data}`` for the handler's parameters (``"grads/"`` and gradients with ``grads``).

    Example:
        >>> from types import SimpleNamespace
        >>> handler = SimpleNamespace(weights=tuple(torch.nn.Linear(1, 1).named_parameters()), tag=None)
        >>> sorted(parameter_histograms(handler, grads=False))
        ['weights/bias', 'weights/weight']
    """
    prefix = f"{tag_prefix(handler.tag)}{'grads' if grads else 'weights'}/"
    return {prefix + name.replace(".", "/"): tensor for name, tensor in parameter_tensors(handler.weights, grads)}
