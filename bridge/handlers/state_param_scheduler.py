"""Placeholder for ``ignite.handlers.state_param_scheduler``.

Importable, nothing implemented yet: ``bridge.handlers.state_param_scheduler`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``StateParamScheduler``, ``LambdaStateScheduler``, ``PiecewiseLinearStateScheduler``,
``ExpStateScheduler``, ``StepStateScheduler``, ``MultiStepStateScheduler``
"""
