"""``ClassificationReport`` (``ignite.metrics.classification_report``): per-class precision, recall and F-beta.

A ``MetricsLambda`` over bridge's :class:`~bridge.metrics.Precision`, :class:`~bridge.metrics.Recall`
and :func:`~bridge.metrics.Fbeta` (so over their per-class counts), as Ignite builds it.

Example:
    >>> import torch
    >>> report = ClassificationReport(output_dict=True)
    >>> report.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> report.compute()["0"]
    {'precision': 1.0, 'recall': 0.5, 'f1-score': 0.666...}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import torch

from bridge.metrics.fbeta import Fbeta
from bridge.metrics.metrics_lambda import MetricsLambda
from bridge.metrics.precision import Precision
from bridge.metrics.recall import Recall
from bridge.utils import _identity

__all__ = ["ClassificationReport"]


class _Report:
    """The report from the per-class and averaged values (an object, not a closure: it pickles)."""

    def __init__(self, beta: float, output_dict: bool, labels: list[str] | None) -> None:
        self.beta, self.output_dict, self.labels = beta, output_dict, labels

    def _label(self, idx: int) -> str:
        return self.labels[idx] if self.labels else str(idx)

    def __call__(
        self,
        recall: torch.Tensor,
        precision: torch.Tensor,
        fbeta: torch.Tensor,
        avg_recall: torch.Tensor,
        avg_precision: torch.Tensor,
        avg_fbeta: torch.Tensor,
    ) -> dict[str, Any] | str:
        if precision.shape != recall.shape:
            raise ValueError(
                f"Internal error: Precision and Recall have mismatched shapes: {precision.shape} vs {recall.shape}. "
                "Please, open an issue with a reference on this error. Thank you!"
            )
        f_key = f"f{self.beta}-score"
        report: dict[str, Any] = {
            self._label(idx): {"precision": p.item(), "recall": recall[idx].item(), f_key: fbeta[idx].item()}
            for idx, p in enumerate(precision)
        }
        report["macro avg"] = {"precision": avg_precision.item(), "recall": avg_recall.item(), f_key: avg_fbeta.item()}
        return report if self.output_dict else json.dumps(report)


def ClassificationReport(
    beta: int = 1,
    output_dict: bool = False,
    output_transform: Callable = _identity,
    device: str | torch.device = torch.device("cpu"),
    is_multilabel: bool = False,
    labels: list[str] | None = None,
    metrics_result_mode: Literal["flatten", "named", "both"] = "both",
) -> MetricsLambda:
    """Precision, recall and F-beta of each class and their macro average, as a dict or its JSON string.

    Keys are the class indices as strings (or ``labels[i]``) and ``"macro avg"``; each value is
    ``{"precision": ..., "recall": ..., "f<beta>-score": ...}``. Inputs are those of
    :class:`~bridge.metrics.Precision` (multiclass scores ``(N, C, ...)`` with labels, or
    multilabel 0/1 ``(N, C, ...)`` with ``is_multilabel=True``).

    Args:
        beta: weight of recall in the F-beta score.
        output_dict: return a dict (else a JSON string).
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the counts are kept.
        is_multilabel: multilabel inputs.
        labels: names of the classes, in order.
        metrics_result_mode: how a dict result goes into ``engine.state.metrics``
            (``"flatten"``, ``"named"`` or ``"both"``).

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> ClassificationReport(is_multilabel=True, labels=["cat", "dog"]).attach(engine, "report")
        >>> data = [(torch.tensor([[1, 0], [1, 1], [0, 1]]), torch.tensor([[1, 0], [0, 1], [0, 1]]))]
        >>> text = engine.run(data).metrics["report"]  # a JSON string
        >>> import json
        >>> json.loads(text)["cat"]
        {'precision': 0.5, 'recall': 1.0, 'f1-score': 0.666...}
    """
    precision = Precision(average=False, is_multilabel=is_multilabel, output_transform=output_transform, device=device)
    recall = Recall(average=False, is_multilabel=is_multilabel, output_transform=output_transform, device=device)
    fbeta = Fbeta(beta, average=False, precision=precision, recall=recall)
    return MetricsLambda(
        _Report(beta, output_dict, labels),
        recall,
        precision,
        fbeta,
        recall.mean(),
        precision.mean(),
        fbeta.mean(),
        metrics_result_mode=metrics_result_mode,
    )
