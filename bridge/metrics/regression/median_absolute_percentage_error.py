"""Placeholder for ``ignite.metrics.regression.median_absolute_percentage_error``.

Importable, nothing implemented yet:
``bridge.metrics.regression.median_absolute_percentage_error`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``median_absolute_percentage_error_compute_fn``, ``MedianAbsolutePercentageError``
"""
