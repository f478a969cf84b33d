"""Placeholder for ``ignite.contrib.metrics.roc_auc``.

Importable, nothing implemented yet. In Ignite 0.5.5 ``ignite.contrib.metrics.roc_auc``
is a deprecated alias of ``ignite.metrics.roc_auc``; ``bridge.contrib.metrics.roc_auc``
will re-export the same objects from ``bridge.metrics.roc_auc``.

Public names it will provide (as Ignite 0.5.5):

``RocCurve``, ``ROC_AUC``
"""
