"""``KendallRankCorrelation`` (``ignite.metrics.regression.kendall_correlation``), an ``EpochMetric``.

Kendall's tau is computed here in whole-tensor operations (ties counted with ``torch.unique``,
discordant pairs by a bottom-up merge count, O(n log^2 n)), with scipy's
conventions, which Ignite calls. torchmetrics' ``kendall_rank_corrcoef`` is the same quantity but
compares every pair in a python loop: 1.1 s for 6,400 samples, against a few milliseconds here.

Example:
    >>> import torch
    >>> m = KendallRankCorrelation()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 3.0, 2.0, 4.0])))
    >>> round(m.compute(), 4)
    0.6667
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import torch

from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.regression._base import _check_output_shapes, _check_output_types
from bridge.utils import _identity

__all__ = ["KendallRankCorrelation"]


def _tied_pairs(counts: torch.Tensor) -> int:
    return int((counts * (counts - 1) // 2).sum())


_FIRST_WIDTH = 16  # blocks this wide compare all their pairs at once (cheaper than 4 merge levels)


def _count_inversions(seq: torch.Tensor) -> int:
    """Pairs ``i < j`` with ``seq[i] > seq[j]`` in a non-empty 1-d tensor of non-negative integers.

    A bottom-up merge sort in whole-tensor steps: the pairs inside blocks of ``_FIRST_WIDTH`` are
    compared directly, then sorted blocks are merged pairwise (one row sort per level), each
    level counting the left values larger than each right value from the merged positions.
    """
    device = seq.device
    n = seq.numel()
    size = max(1 << max(n - 1, 0).bit_length(), _FIRST_WIDTH)
    # padding larger than every value, at the end: it forms no inversion
    blocks = torch.cat([seq, seq.new_full((size - n,), int(seq.max()) + 1)]).view(-1, _FIRST_WIDTH)
    later = torch.ones(_FIRST_WIDTH, _FIRST_WIDTH, dtype=torch.bool, device=device).triu(1)
    inversions = ((blocks.unsqueeze(2) > blocks.unsqueeze(1)) & later).sum()
    blocks = blocks.sort(dim=1).values
    width = _FIRST_WIDTH
    while width < size:
        # the lowest bit tags the side (1: right block), so a left value sorts before an equal right one
        is_right = torch.arange(2 * width, device=device) >= width
        merged = (blocks.view(-1, 2 * width) * 2 + is_right).sort(dim=1).values
        # the j-th right value of a row, at merged position p, has p - j left values <= it, so
        # width - p + j larger ones: width**2 + width * (width - 1) / 2 - (sum of p) per row
        positions = ((merged & 1) * torch.arange(2 * width, device=device)).sum()
        inversions = inversions + merged.shape[0] * (width * width + width * (width - 1) // 2) - positions
        blocks = merged >> 1
        width *= 2
    return int(inversions)


def _kendall_tau(y_pred: torch.Tensor, y: torch.Tensor, variant: str = "b") -> float:
    """Kendall's tau-b or tau-c of two tensors (flattened), as ``scipy.stats.kendalltau``."""
    x, z = y_pred.reshape(-1), y.reshape(-1)
    n = x.numel()
    if n < 2:
        warnings.warn("One or more sample arguments is too small; the correlation is nan.", RuntimeWarning)
        return math.nan
    if bool(x.isnan().any() or z.isnan().any()):
        return math.nan
    _, x_rank, x_counts = torch.unique(x, return_inverse=True, return_counts=True)
    _, z_rank, z_counts = torch.unique(z, return_inverse=True, return_counts=True)
    pairs = n * (n - 1) // 2
    x_ties, z_ties = _tied_pairs(x_counts), _tied_pairs(z_counts)
    if x_ties == pairs or z_ties == pairs:  # a constant input
        return math.nan
    n_z = z_counts.numel()
    joint = (x_rank * n_z + z_rank).sort().values  # by x, then by y
    joint_ties = _tied_pairs(torch.unique_consecutive(joint, return_counts=True)[1])
    # sorted by x (ties by y), a pair is discordant exactly when its y values are inverted
    discordant = _count_inversions(joint % n_z)
    concordant_minus_discordant = pairs - x_ties - z_ties + joint_ties - 2 * discordant
    if variant == "b":
        tau = concordant_minus_discordant / math.sqrt(pairs - x_ties) / math.sqrt(pairs - z_ties)
    else:
        classes = min(x_counts.numel(), n_z)
        tau = 2 * concordant_minus_discordant / (n**2 * (classes - 1) / classes)
    return min(1.0, max(-1.0, tau))


class KendallRankCorrelation(EpochMetric):
    r"""Kendall's rank correlation (tau-b or tau-c) of all the epoch's predictions and targets.

    :math:`\tau` compares the order of every pair of samples in the predictions and in the
    targets; ``variant`` picks how ties are accounted for. ``nan`` for fewer than two samples,
    a ``nan`` value or a constant input, as scipy's ``kendalltau`` which Ignite calls; scipy is
    not needed. ``y_pred`` and ``y``: float ``(N,)`` or ``(N, 1)``, stored and gathered across
    processes, reduced once on rank 0.

    Args:
        variant: ``"b"`` (default) or ``"c"``.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: try the computation on the first batch and warn if it fails.
        device: where the stored tensors live.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> KendallRankCorrelation(variant="c").attach(engine, "kendall")
        >>> data = [(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])), (torch.tensor([3.0]), torch.tensor([3.0]))]
        >>> engine.run(data).metrics["kendall"]
        1.0
    """

    def __init__(
        self,
        variant: str = "b",
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        if variant not in ("b", "c"):
            raise ValueError(f"variant accepts 'b' or 'c', got {variant!r}.")
        self.variant = variant
        compute_fn = partial(_kendall_tau, variant=variant)  # picklable, unlike a closure
        super().__init__(compute_fn, output_transform, check_compute_fn, device, skip_unrolling)

    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        _check_output_shapes(output)
        _check_output_types(output)
        super().update(output)
