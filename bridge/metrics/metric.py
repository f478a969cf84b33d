"""Placeholder for ``ignite.metrics.metric``.

Importable, nothing implemented yet: ``bridge.metrics.metric`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Metric``, ``MetricUsage``, ``EpochWise``, ``BatchWise``, ``BatchFiltered``,
``RunningEpochWise``, ``RunningBatchWise``, ``SingleEpochRunningBatchWise``
"""
