"""``ignite.contrib.engines``: truncated backpropagation through time.

Example:
    >>> from bridge.contrib.engines import Tbptt_Events
    >>> Tbptt_Events.TIME_ITERATION_COMPLETED.value
    'time_iteration_completed'
"""

from bridge.contrib.engines.tbptt import Tbptt_Events, create_supervised_tbptt_trainer

__all__ = ["Tbptt_Events", "create_supervised_tbptt_trainer"]
