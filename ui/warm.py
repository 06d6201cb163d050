"""Import, before the first visitor, everything the pages import.

Streamlit imports a page's modules on the first run that shows the page, so without this the first person to open
each page after a restart waits for its imports too (pandas and pyarrow for a table, altair for a chart, the
domain packages): 0.5-1.5 s on a small server, on top of the page itself.
"""

from __future__ import annotations

import ast
import gc
import importlib
import importlib.util
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Imported by Streamlit itself only when a page first draws a table or a chart.
STREAMLIT_LAZY = ("pandas", "pyarrow", "altair", "streamlit.elements.arrow", "streamlit.elements.vega_charts")

log = logging.getLogger(__name__)


def modules_the_pages_import(root: Path = ROOT) -> list[str]:
    """Every module named by an import in app.py, pages/*.py and ui/*.py, in a stable order."""
    names: dict[str, None] = {}
    for path in sorted([root / "app.py", *(root / "pages").glob("*.py"), *(root / "ui").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names[node.module] = None
                # `from listening import reports` names a package's module, which importing the package skips.
                names.update((f"{node.module}.{alias.name}", None) for alias in node.names)
    return list(names)


def preload() -> int:
    """Import them all (and Streamlit's lazy table and chart modules); returns how many modules that were not yet
    imported it imported. A module that fails to import is left for its page to report (in its error boundary),
    not raised at start-up."""
    imported = 0
    for name in (*modules_the_pages_import(), *STREAMLIT_LAZY):
        parent, _, attribute = name.rpartition(".")
        if name in sys.modules or (parent in sys.modules and hasattr(sys.modules[parent], attribute)):
            continue  # imported already, or a name defined in a module imported already (`from x import f`)
        try:
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue  # `from module import name` of a module that is not a package
        except Exception:  # noqa: BLE001 - the page that needs it shows the problem
            log.warning("could not preload %s", name)
            continue
        imported += 1
    return imported


def freeze_what_is_loaded() -> int:
    """Move every object alive now (the modules, their functions and constants) out of the garbage collector's
    sight, and return how many. Streamlit runs a full collection after every script run; with the pages' modules
    loaded that scan took ~0.15 s on every run and every page switch, on a quiet machine, while holding the
    interpreter lock. What is frozen lives as long as the process anyway."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
