"""Placeholder for ``ignite.metrics.roc_auc``.

Importable, nothing implemented yet: ``bridge.metrics.roc_auc`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``roc_auc_compute_fn``, ``roc_auc_curve_compute_fn``, ``ROC_AUC``, ``RocCurve``
"""
