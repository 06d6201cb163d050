"""ui/warm.py: the server imports what every page needs before its first visitor."""

from __future__ import annotations

import subprocess
import sys

from ui import warm


def test_the_modules_named_by_the_pages_include_their_domain_modules_and_streamlits_lazy_ones():
    names = warm.modules_the_pages_import()
    assert "listening.reports" in names  # `from listening import reports` in the coordinator's home
    assert "ui.request_form" in names and "listening.connection.journeys" in names
    assert len(names) == len(set(names))


def in_a_fresh_process(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], cwd=warm.ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_preload_in_a_fresh_process_imports_every_page_module_without_running_a_page():
    code = ("import sys; from ui.warm import preload; n = preload(); "
            "missing = [m for m in ('pandas', 'pyarrow', 'altair', 'listening.reports', 'listening.matching.proposals', "
            "'listening.connection.journeys', 'ui.request_form') if m not in sys.modules]; "
            "assert n > 20 and not missing, (n, missing); print('ok')")
    in_a_fresh_process(code)


def test_after_the_preload_a_full_collection_no_longer_scans_the_loaded_modules():
    code = ("import gc, time; from ui.warm import preload, freeze_what_is_loaded; preload(); "
            "frozen = freeze_what_is_loaded(); tracked = len(gc.get_objects()); "
            "assert frozen > 100_000 and tracked < 1_000, (frozen, tracked); print('ok')")
    in_a_fresh_process(code)
