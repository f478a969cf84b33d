"""``ignite.contrib``: ``bridge.contrib.engines`` (TBPTT) and ``bridge.contrib.handlers``."""
