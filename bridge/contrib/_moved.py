"""The ``DeprecationWarning`` of Ignite 0.5.5's moved ``contrib`` modules, shared by bridge's shims.

Ignite moved most of ``ignite.contrib.handlers`` to ``ignite.handlers`` and ``ignite.contrib.metrics``
to ``ignite.metrics``, leaving at each old path a module that warns when imported and re-exports the
moved names. Each bridge shim calls :func:`warn_moved` at its top, with Ignite's wording and bridge's path.

The warning names the module that imports the shim, as Ignite's ``stacklevel=2`` does, so Python's
default filters show it in a script (``__main__``) and hide it in libraries. An import through the
``ignite`` alias passes through ``bridge.alias``, which imports the bridge module for the script:
those frames are skipped, so the warning still names the script.
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType
from typing import Optional

__all__ = ["REMOVED_IN", "moved_message", "warn_moved"]

#: the Ignite version that drops the moved modules (Ignite's ``removed_in``)
REMOVED_IN = "0.6.0"

# modules between a script and the shim it imports through the alias (importlib.import_module, alias loader)
_ALIAS_HOPS = ("importlib", "bridge.alias")


def moved_message(shim_file: str, new_path: str) -> str:
    """Ignite's message for the module at ``shim_file`` that moved to ``new_path``.

    Example:
        >>> print(moved_message("contrib/handlers/tqdm_logger.py", "/bridge/handlers/tqdm_logger.py"))
        contrib/handlers/tqdm_logger.py has been moved to /bridge/handlers/tqdm_logger.py and will be removed in version 0.6.0.
         Please refer to the documentation for more details.
    """
    return (
        f"{shim_file} has been moved to {new_path} and will be removed in version {REMOVED_IN}.\n"
        " Please refer to the documentation for more details."
    )


def _is_internal(frame: FrameType) -> bool:
    # the test warnings.warn applies to skip the import machinery's frames when counting stacklevel
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _external_frames(frame: Optional[FrameType]) -> list[FrameType]:
    frames = []
    while frame is not None:
        if not _is_internal(frame):
            frames.append(frame)
        frame = frame.f_back
    return frames


def _importer_stacklevel(shim_frame: Optional[FrameType]) -> int:
    # Counted as warnings.warn counts from warn_moved: 1 is warn_moved, 2 the shim's body, 3 its importer.
    importers = _external_frames(shim_frame.f_back if shim_frame is not None else None)
    hops = 0
    while hops < len(importers) - 1 and importers[hops].f_globals.get("__name__") in _ALIAS_HOPS:
        hops += 1
    through_alias = any(f.f_globals.get("__name__") == "bridge.alias" for f in importers[:hops])
    return 3 + (hops if through_alias else 0)


def warn_moved(shim_file: str, new_path: str) -> None:
    """Warn that the module at ``shim_file`` moved to ``new_path``; call it at the top of a shim module.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_moved("old.py", "/bridge/new.py")
        >>> caught[0].category.__name__, str(caught[0].message).splitlines()[0]
        ('DeprecationWarning', 'old.py has been moved to /bridge/new.py and will be removed in version 0.6.0.')
    """
    level = _importer_stacklevel(sys._getframe(1))
    warnings.warn(moved_message(shim_file, new_path), DeprecationWarning, stacklevel=level)
