"""Placeholder for ``ignite.contrib.metrics``.

Importable, nothing implemented yet: ``bridge.contrib.metrics`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``average_precision``, ``cohen_kappa``, ``gpu_info``, ``precision_recall_curve``,
``roc_auc``, ``AveragePrecision``, ``CohenKappa``, ``GpuInfo``,
``PrecisionRecallCurve``, ``ROC_AUC``, ``RocCurve``
"""
