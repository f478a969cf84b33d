from bridge.engine.events import *  # noqa: F401,F403  (filled in by the Engine work)
