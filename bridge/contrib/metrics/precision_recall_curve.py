"""Placeholder for ``ignite.contrib.metrics.precision_recall_curve``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.precision_recall_curve`` is a deprecated alias of
``ignite.metrics.precision_recall_curve``;
``bridge.contrib.metrics.precision_recall_curve`` will re-export the same objects from
``bridge.metrics.precision_recall_curve``.

Public names it will provide (as Ignite 0.5.5):

``PrecisionRecallCurve``, ``precision_recall_curve_compute_fn``
"""
