"""bridge: PyTorch Ignite's API as a facade over PyTorch Lightning.

``Engine.run`` executes inside a real ``pytorch_lightning.Trainer``; Ignite's events,
handlers and metrics also attach to a plain Lightning ``Trainer`` through
:class:`bridge.lightning.EngineCallback`. Lightning itself is imported lazily, on
the first run, so ``import bridge`` stays cheap.

Example:
    >>> from bridge.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch * 2)
    >>> engine.run([1, 2, 3]).output
    6
"""

__version__ = "0.1.0"
#: The pytorch-ignite release whose public API bridge implements.
__ignite_version__ = "0.5.5"
