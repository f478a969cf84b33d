"""Placeholder for ``ignite.metrics.regression.maximum_absolute_error``.

Importable, nothing implemented yet:
``bridge.metrics.regression.maximum_absolute_error`` will hold the Ignite-compatible
implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MaximumAbsoluteError``
"""
