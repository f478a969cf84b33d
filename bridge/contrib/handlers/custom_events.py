"""Placeholder for ``ignite.contrib.handlers.custom_events``.

Importable, nothing implemented yet. This path is not part of Ignite 0.5.5: Ignite 0.4
deprecated its ``CustomPeriodicEvent`` in favour of event filters such as
``Events.ITERATION_COMPLETED(every=n)`` and later removed the module. bridge keeps the
path (DESIGN.md lists it) so that older scripts resolve under the alias;
``bridge.contrib.handlers.custom_events`` will hold ``CustomPeriodicEvent``.
"""
