"""Placeholder for ``ignite.metrics.top_k_categorical_accuracy``.

Importable, nothing implemented yet: ``bridge.metrics.top_k_categorical_accuracy`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``TopKCategoricalAccuracy``
"""
