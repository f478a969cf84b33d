"""Placeholder for ``ignite.contrib.metrics.regression.wave_hedges_distance``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.wave_hedges_distance`` is a deprecated alias of
``ignite.metrics.regression.wave_hedges_distance``;
``bridge.contrib.metrics.regression.wave_hedges_distance`` will re-export the same
objects from ``bridge.metrics.regression.wave_hedges_distance``.

Public names it will provide (as Ignite 0.5.5):

``WaveHedgesDistance``
"""
