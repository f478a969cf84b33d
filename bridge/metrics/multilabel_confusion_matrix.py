"""Placeholder for ``ignite.metrics.multilabel_confusion_matrix``.

Importable, nothing implemented yet: ``bridge.metrics.multilabel_confusion_matrix`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MultiLabelConfusionMatrix``
"""
