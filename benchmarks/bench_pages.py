"""Every page of each role, and the heavy actions, on a generated district (benchmarks/gen_district.py).

    python benchmarks/bench_pages.py --database-url sqlite:///data/district.db [--reports-loads 50]

Streamlit's AppTest in one warm process, started as serve.py starts the app (imports preloaded, then frozen out of
the collector's sight; each script compiled once, as the served Runtime does), with a warm-up pass over every page
first. For each page: the first render with Streamlit's caches emptied (so what a coordinator waits for after
someone else's write), a rerun (a click that changes nothing), each the median of SAMPLES, and the SQL statements
each of those ran (an SQLAlchemy event listener on the engine).
Then the process's memory (RSS) over `--reports-loads` openings of Reports, alternating 90 and 365 days. Prints
a markdown table. Targets: first render < 1 s, rerun < 200 ms, a year of reports < 1 s, a year's Excel export
< 3 s, memory flat after warm-up. Timings are wall clock: on a shared machine they are noisy, statement counts
are not.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("ENVIRONMENT", "development")
os.environ["DEMO_MODE"] = "0"  # the plain sign-in form, not the demo accounts

FIRST_TARGET, RERUN_TARGET, REPORT_TARGET, EXPORT_TARGET = 1.0, 0.2, 1.0, 3.0
SAMPLES = 3  # first renders and reruns per page; the table shows the median (one sample swings on a shared host)
COORDINATOR_PAGES = [
    ("home", "pages/coordinator_home.py"), ("triage", "pages/triage.py"), ("matching (week)", "pages/matching.py"),
    ("week calendar", "pages/week_calendar.py"), ("volunteers", "pages/volunteers.py"),
    ("applicants", "pages/applicants.py"), ("training", "pages/training.py"), ("supervision", "pages/supervision.py"),
    ("activities", "pages/activities.py"), ("safeguarding", "pages/safeguarding.py"),
    ("feedback", "pages/feedback.py"), ("complaints", "pages/complaints.py"), ("sms", "pages/sms.py"),
    ("reports 90 days", "pages/reports.py"), ("reports 365 days", "pages/reports.py"),
    ("audit log", "pages/audit_log.py"), ("privacy", "pages/privacy.py"), ("my account", "pages/my_account.py"),
]
VOLUNTEER_PAGES = [
    ("volunteer home", "pages/volunteer_home.py"), ("my week", "pages/week_calendar.py"),
    ("log session", "pages/log_session.py"), ("my hours", "pages/my_hours.py"),
    ("my training", "pages/my_training.py"), ("my availability", "pages/my_availability.py"),
    ("my account (volunteer)", "pages/my_account.py"),
]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Statements:
    def __init__(self, engine) -> None:
        self.count = 0
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def median_sample(samples: list[tuple[float, int, float]]) -> tuple[float, int, float]:
    """The median wall time and the median CPU time of the samples, with the statements of the median wall one."""
    by_wall = sorted(samples)
    middle = by_wall[len(by_wall) // 2]
    return middle[0], middle[1], statistics.median(cpu for _wall, _sql, cpu in samples)


def timed(statements: Statements, run) -> tuple[float, int, float]:
    """Wall seconds, statements, and CPU seconds of this process (less noisy than the wall on a shared machine)."""
    before = statements.count
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - started, statements.count - before, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--reports-loads", type=int, default=50)
    parser.add_argument("--coordinator", default="coord01")
    parser.add_argument("--volunteer", default="v00001")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    os.environ["DATABASE_URL"] = args.database_url

    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from listening.core import clock, db
    from listening.core.config import get_settings
    from listening.models import Role
    from ui.shell import PAGES_BY_ROLE, PUBLIC_PAGES, only_app_navigation
    from ui.warm import freeze_what_is_loaded, preload

    for role, measured in ((Role.coordinator, COORDINATOR_PAGES), (Role.volunteer, VOLUNTEER_PAGES)):
        missing = {spec.path for spec in PAGES_BY_ROLE[role] if spec not in PUBLIC_PAGES} - {p for _n, p in measured}
        if missing:  # a page added to the navigation is measured too
            raise SystemExit(f"bench_pages does not measure these {role.value} pages: {sorted(missing)}")

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from gen_district import DISTRICT_PASSWORD

    get_settings.cache_clear()
    db.reset_engine()
    statements = Statements(db.get_engine())
    original_init = PagesManager.__init__

    def init(self, *a, **k):  # as serve.py: app.py's navigation is the only way a page runs
        only_app_navigation()
        original_init(self, *a, **k)

    PagesManager.__init__ = init
    # The served Runtime compiles each script once (one ScriptCache); AppTest compiles app.py and the page, with
    # Streamlit's magic rewrite of the syntax tree, on every run (0.04-0.05 s): give it the server's one cache.
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    served_cache = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: served_cache
    # As serve.py starts the app: every page's imports loaded, then frozen out of the full collection Streamlit
    # runs after every script run.
    preload()
    freeze_what_is_loaded()

    def sign_in(username: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.run()  # the welcome page, a resident's way in
        at.switch_page("pages/sign_in.py").run()
        at.text_input(key="username").input(username)
        at.text_input(key="password").input(DISTRICT_PASSWORD)
        at.button[0].click().run()
        if at.exception:
            raise SystemExit(f"signing in as {username} failed: {at.exception}")
        at.run()  # the signed-in navigation registers its pages
        return at

    def prepare(at: AppTest, name: str, path: str):
        at.switch_page(path)
        if name.startswith("reports"):
            days = 365 if "365" in name else 90
            at.session_state["report_start"] = clock.today() - timedelta(days=days)
            at.session_state["report_end"] = clock.today()
        return at

    def first_render(at: AppTest) -> tuple[float, int, float]:
        st.cache_data.clear()
        gc.collect()
        return timed(statements, at.run)

    def measure(at: AppTest, name: str, path: str) -> dict:
        prepare(at, name, path)
        firsts, reruns = [], []
        for _ in range(SAMPLES):  # first render, then a rerun, each time
            firsts.append(first_render(at))
            if at.exception:
                raise SystemExit(f"{name}: {at.exception[0].value}")
            reruns.append(timed(statements, at.run))
        (first, first_sql, first_cpu), (rerun, rerun_sql, rerun_cpu) = median_sample(firsts), median_sample(reruns)
        return {"page": name, "first": first, "first_sql": first_sql, "rerun": rerun, "rerun_sql": rerun_sql,
                "first_cpu": first_cpu, "rerun_cpu": rerun_cpu}

    results = []
    for username, pages in ((args.coordinator, COORDINATOR_PAGES), (args.volunteer, VOLUNTEER_PAGES)):
        at = sign_in(username)
        for name, path in pages:  # warm-up: imports, compiled statements, translations
            prepare(at, name, path).run()
        for name, path in pages:
            results.append(measure(at, name, path))
        if username == args.coordinator:
            prepare(at, "reports 365 days", "pages/reports.py").run()
            seconds, sql, cpu = timed(statements, at.button(key="prepare_export").click().run)
            results.append({"page": "Excel export, 365 days", "first": seconds, "first_sql": sql, "rerun": None,
                            "rerun_sql": None, "first_cpu": cpu, "rerun_cpu": None})
            at.session_state["report_xlsx"] = None
            del at.session_state["report_xlsx"]
            memory = []
            for load in range(args.reports_loads):
                prepare(at, "reports 365 days" if load % 2 else "reports 90 days", "pages/reports.py")
                at.switch_page("pages/coordinator_home.py").run()
                prepare(at, "reports 365 days" if load % 2 else "reports 90 days", "pages/reports.py").run()
                memory.append(rss_mib())

    database = db.get_engine().dialect.name
    print(f"Each page: the median of {SAMPLES} first renders (caches emptied) and of {SAMPLES} reruns.\n")
    print("| page or action | database | first render s | rerun s | CPU s first / rerun | statements first / rerun |")
    print("|---|---|---|---|---|---|")
    for row in results:
        rerun = "" if row["rerun"] is None else f"{row['rerun']:.3f}"
        cpu = f"{row['first_cpu']:.3f}" + ("" if row["rerun_cpu"] is None else f" / {row['rerun_cpu']:.3f}")
        sql = f"{row['first_sql']}" + ("" if row["rerun_sql"] is None else f" / {row['rerun_sql']}")
        print(f"| {row['page']} | {database} | {row['first']:.3f} | {rerun} | {cpu} | {sql} |")
    if memory:
        warm = memory[min(9, len(memory) - 1)]
        print(f"\nRSS over {len(memory)} reports loads: {memory[0]:.0f} MiB after the first, {warm:.0f} MiB after "
              f"the 10th, {memory[-1]:.0f} MiB after the last (growth after warm-up {memory[-1] - warm:+.1f} MiB)")
    for clock_name, first_key, rerun_key in (("wall clock", "first", "rerun"), ("CPU time", "first_cpu", "rerun_cpu")):
        missed = [r["page"] for r in results
                  if r[first_key] > (EXPORT_TARGET if "Excel" in r["page"] else FIRST_TARGET)
                  or (r[rerun_key] is not None and r[rerun_key] > RERUN_TARGET)]
        print(f"targets missed ({clock_name}): " + (", ".join(missed) if missed else "none"))


if __name__ == "__main__":
    main()
