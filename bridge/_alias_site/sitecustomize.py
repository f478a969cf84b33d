"""Child processes of a script run by ``python -m bridge.alias`` get the alias too.

``bridge.alias.main`` puts this directory first on ``PYTHONPATH`` and sets ``BRIDGE_ALIAS=1``
for the processes the script starts: Lightning's DDP launcher runs the script again,
``idist.Parallel`` and ``torch.multiprocessing`` spawn fresh interpreters that re-import it.
Each such interpreter imports this ``sitecustomize`` at start-up, installs the alias before the
script's ``import ignite`` runs, and then runs the ``sitecustomize`` this one shadows, if any.

Imported under any other name (``bridge._alias_site.sitecustomize``) it does nothing.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys


def _start() -> None:
    if os.environ.get("BRIDGE_ALIAS") == "1":
        import bridge.alias

        bridge.alias.install()
    # the sitecustomize this one shadows (e.g. a virtualenv's), from the rest of the path
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if __name__ == "sitecustomize":
    _start()
