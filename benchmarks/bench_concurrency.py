"""Many writers at the same moment: real service calls from separate processes, on SQLite and on PostgreSQL.

    python benchmarks/bench_concurrency.py [--database sqlite|postgresql|both] [--writers 32] [--rounds 3]
                                           [--seed 1] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each round starts N processes (spawn). Every process makes ONE call the way a page does, in its own
`session_scope()`: a public request (`intake.submit`), a sign-in (`auth.sign_in`), the approval of its own
proposal (`proposals.approve`) or a session log with a risk tick (`sessions.log_session`). Each first rehearses
its call once, rolled back, one process at a time (so the timed call runs warm, as in a server), then all wait on
one barrier and call together, while an SMS worker (`python -m listening worker`, outbox-only transport) runs
beside them. Each times its call (transaction and commit) with perf_counter and reports success, or the
exception's class, never its message (it may hold personal data). After each round the database is checked: a successful
submission has exactly one request, a successful approval scheduled its request, a successful risk-ticked log has
an escalation, a sign-in has its session, and a failed call left nothing behind.

SQLite is a fresh file in a temporary directory; PostgreSQL a scratch database created through the admin URL and
dropped at the end. The target: 0 failures at 32 concurrent writers on SQLite, p99 under 1 s. It prints figures and
exits 0 (1 only when the setup fails).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.pop("TWILIO_ACCOUNT_SID", None)  # never a real provider
os.environ.setdefault("QUIET_HOURS", "00:00-00:00")  # so the worker has messages to send at any hour
os.environ.setdefault("SMS_RATE_PER_SECOND", "50")  # the worker writes as fast as it can, not 1 row a second

from sqlmodel import Session, col, func, select  # noqa: E402

from listening import sessions
from listening.core import config, db
from listening.matching import proposals
from listening.models import (  # noqa: E402
    Account,
    AuthSession,
    Escalation,
    Language,
    ListeningRequest,
    Mode,
    OutboundMessage,
    Outcome,
    PartOfDay,
    RequestStatus,
    Resident,
    Role,
    SessionLog,
    Visit,
    VisitStatus,
    utcnow,
)
from listening.residents import intake, lifecycle
from listening.sms.transport import OutboxOnlyTransport  # noqa: E402
from listening.sms.worker import Worker  # noqa: E402
from listening.staff import auth  # noqa: E402
from tests import factories  # noqa: E402
from tests.factories import session_factories  # noqa: E402

KINDS = ("submit", "sign_in", "approve", "log_session")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BARRIER_SECONDS = 600  # 32 spawned processes importing the app on 2 shared cores take a while
RISK = "suicide"


@dataclass(frozen=True)
class Job:
    kind: str
    key: str  # submit: phone; sign_in: username; approve: request id; log_session: visit id
    actor_id: int | None = None
    starts_at: datetime | None = None  # log_session: the visit's planned start


@dataclass(frozen=True)
class Result:
    kind: str
    key: str
    error: str | None  # exception class names only
    seconds: float
    started: float = math.nan  # time.perf_counter(): one monotonic clock for every process on the machine
    proof: str | None = None  # sign_in: the stored session id (sha256 of the token)


def error_name(error: BaseException) -> str:
    """The class, and for a database error the driver's class: never the message."""
    name = type(error).__name__
    orig = getattr(error, "orig", None)
    if orig is not None:
        name += f"({type(orig).__module__.split('.')[0]}.{type(orig).__name__})"
    return name


# ----- the calls, each in a process of its own ------------------------------------------------------------------


def request_form(phone: str, name: str) -> intake.RequestForm:
    return intake.RequestForm(display_name=name, phone=phone, community_code="yuehai", mode=Mode.centre,
                                language=Language.mandarin, weekdays=[1, 3], parts_of_day=[PartOfDay.morning],
                                topic="想找人聊聊工作", sensitive_consent=True, sms_consent=True)


def _call(session: Session, job: Job, actor: Account | None) -> str | None:
    if job.kind == "submit":
        intake.submit(session, form=request_form(job.key, "居民"), client_address=f"bench-{job.key}")
    elif job.kind == "sign_in":
        _, new = auth.sign_in(username=job.key, password=factories.PASSWORD)  # transactions of its own
        return hashlib.sha256(new.token.encode()).hexdigest()
    elif job.kind == "approve":
        proposals.approve(session, actor=actor, request_id=int(job.key))
    else:
        entry = sessions.SessionLogInput(outcome=Outcome.held, actual_start=job.starts_at,
                                         actual_end=job.starts_at + timedelta(minutes=50), mood_before=2,
                                         mood_after=4, topics=["loneliness"], risks={RISK})
        sessions.log_session(session, actor=actor, visit_id=int(job.key), entry=entry)
    return None


def rehearse(job: Job, actor: Account | None, lock) -> None:
    """The same call once, rolled back, one process at a time: the timed call then runs warm, as in a server
    that has answered before (otherwise the figures measure imports and caches filling, not the database)."""
    with lock, Session(db.for_writing(db.get_engine()), expire_on_commit=False) as session:
        try:
            _call(session, job, actor)
        except Exception:  # noqa: BLE001, S110 - a rehearsal only warms up
            pass
        finally:
            session.rollback()


def run_call(job: Job, lock, barrier, results, finished) -> None:
    """One writer: read the actor (the page's sign-in check), rehearse, wait for the others, then make the call.

    It stays alive until every call of the round has ended (`finished`), as a server would: a Python process
    exiting spends 50-100 ms of CPU on teardown, which on a small machine would be timed as the others' calls."""
    try:
        with db.session_scope() as session:
            actor = session.get(Account, job.actor_id) if job.actor_id is not None else None
        rehearse(job, actor, lock)
        barrier.wait(BARRIER_SECONDS)
    except Exception as error:  # noqa: BLE001 - reported, the round goes on
        results.put(Result(job.kind, job.key, f"before the call: {error_name(error)}", math.nan))
        return
    started = time.perf_counter()
    proof = error = None
    try:
        with db.session_scope() as session:
            proof = _call(session, job, actor)
    except Exception as failure:  # noqa: BLE001 - the class is the figure
        error = error_name(failure)
    results.put(Result(job.kind, job.key, error, time.perf_counter() - started, started, proof))
    finished.wait(BARRIER_SECONDS)


def run_sms_worker(ready, outcome) -> None:
    """`python -m listening worker` without Twilio credentials, until the parent's SIGTERM."""
    worker = Worker(db.get_engine(), OutboxOnlyTransport())  # the defaults of `python -m listening worker`
    worker.install_signal_handlers()
    ready.set()
    try:
        worker.run()
        outcome.put(None)
    except Exception as error:  # noqa: BLE001
        chain = []
        while error is not None:  # the error, then the one it interrupted (a failing `finally`), ...
            frames = [f for f in traceback.extract_tb(error.__traceback__) if "/listening/" in f.filename]
            chain.append(error_name(error) + (f" in {Path(frames[-1].filename).stem}.{frames[-1].name}"
                                              if frames else ""))
            cause = error.__context__
            error = cause.__context__ if cause is not None and cause is getattr(error, "orig", None) else cause
        outcome.put(", during ".join(chain))


# ----- databases and seed data ----------------------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, admin_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lh_bench_") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    name = f"lh_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        db.reset_engine()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def use_database(url: str) -> None:
    """The parent and every process it spawns from now on (they inherit the environment) use `url`."""
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()
    db.reset_engine()


def plan(writers: int, rounds: int, seed: int) -> list[list[str]]:
    """The kinds of call of each round: an even mix, started in a seeded random order."""
    rng = random.Random(seed)
    result = []
    for _ in range(rounds):
        kinds = [KINDS[i % len(KINDS)] for i in range(writers)]
        rng.shuffle(kinds)
        result.append(kinds)
    return result


def seed(rounds: list[list[str]]) -> list[list[Job]]:
    """Accounts, proposals pending approval and visits that have started, through the services and test builders."""
    most = {kind: max(r.count(kind) for r in rounds) for kind in KINDS}
    now = utcnow()
    with db.session_scope() as session:
        factories.community(session)  # the communities, from data/
        duty = session_factories.coordinator(session, "duty", phone="+8613800000001")  # gets the safeguarding SMS
        signers = [auth.create_account(session, username=f"signer{i}", password=factories.PASSWORD,
                                       display_name=f"志愿者{i}", role=Role.volunteer).username
                   for i in range(most["sign_in"])]
        approvers = [factories.coordinator(session, f"approver{i}").id for i in range(most["approve"])]
        booked = [factories.volunteer(session, None, name=f"陈{i}", phone=f"+86135{i:08d}")[1]
                  for i in range(most["approve"])]
        loggers = [factories.volunteer(session, f"logger{i}", name=f"李{i}", phone=f"+86134{i:08d}")
                   for i in range(most["log_session"])]
        jobs: list[list[Job]] = []
        for r, kinds in enumerate(rounds):
            round_jobs = []
            for position, kind in enumerate(kinds):
                i = kinds[:position].count(kind)  # the i-th call of its kind in this round
                if kind == "submit":
                    round_jobs.append(Job(kind, f"+86139{r:02d}{i:06d}"))
                elif kind == "sign_in":
                    round_jobs.append(Job(kind, signers[i]))
                elif kind == "approve":
                    form = request_form(f"+86136{r:02d}{i:06d}", "张阿姨")
                    request = intake.record_on_behalf(session, actor=duty, form=form, consent_verbal=True,
                                                        now=now).request
                    starts_at = (now + timedelta(days=7, hours=r)).replace(minute=0, second=0, microsecond=0)
                    lifecycle.propose(session, actor=duty, request_id=request.id, volunteer_ids=[booked[i].id],
                                     starts_at=starts_at)
                    round_jobs.append(Job(kind, str(request.id), actor_id=approvers[i]))
                else:
                    account, volunteer = loggers[i]
                    starts_at = (now - timedelta(hours=2, minutes=r)).replace(second=0, microsecond=0)
                    visit = session_factories.visit(session, volunteers=[volunteer], starts_at=starts_at)
                    round_jobs.append(Job(kind, str(visit.id), actor_id=account.id, starts_at=starts_at))
            jobs.append(round_jobs)
    return jobs


# ----- one round ------------------------------------------------------------------------------------------------


def run_round(jobs: list[Job]) -> tuple[list[Result], str | None, float]:
    """All calls at once beside an SMS worker: their results, the worker's crash (if any), and the seconds from
    the first call's start to the last call's end."""
    ctx = mp.get_context("spawn")
    results, sms_outcome, ready = ctx.Queue(), ctx.Queue(), ctx.Event()
    sms = ctx.Process(target=run_sms_worker, args=(ready, sms_outcome))
    sms.start()
    ready.wait(120)
    lock, barrier, finished = ctx.Lock(), ctx.Barrier(len(jobs)), ctx.Event()
    writers = [ctx.Process(target=run_call, args=(job, lock, barrier, results, finished)) for job in jobs]
    for process in writers:
        process.start()
    collected = []
    for _ in jobs:
        try:
            collected.append(results.get(timeout=BARRIER_SECONDS + 120))
        except Exception:  # noqa: BLE001 - a process died without a word
            break
    finished.set()
    for process in writers:
        process.join(60)
    sms.terminate()  # SIGTERM: the worker finishes its pass and removes its heartbeat
    sms.join(60)
    try:
        crash = sms_outcome.get(timeout=5)
    except Exception:  # noqa: BLE001
        crash = f"exit code {sms.exitcode}"
    lost = {(job.kind, job.key) for job in jobs} - {(r.kind, r.key) for r in collected}
    collected += [Result(kind, key, "no report (process died)", math.nan) for kind, key in sorted(lost)]
    timed = [r for r in collected if not math.isnan(r.started)]
    span = max(r.started + r.seconds for r in timed) - min(r.started for r in timed) if timed else 0.0
    return collected, crash, span


def violations(results: list[Result]) -> Counter:
    """Per kind, the results the database contradicts: a success not fully written, or a failure half-written."""
    found: Counter = Counter()
    with Session(db.get_engine()) as session:
        for r in results:
            if r.kind == "submit":
                n = session.exec(select(func.count()).select_from(ListeningRequest)
                                 .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
                                 .where(Resident.phone == r.key)).one()
                bad = n != (0 if r.error else 1)
            elif r.kind == "sign_in":
                bad = r.error is None and session.get(AuthSession, r.proof) is None
            elif r.kind == "approve":
                request = session.get(ListeningRequest, int(r.key))
                visit = session.exec(select(Visit).where(Visit.request_id == request.id)).one()
                scheduled = request.status == RequestStatus.scheduled and visit.status == VisitStatus.scheduled
                untouched = request.status == RequestStatus.matched and visit.status == VisitStatus.proposed
                bad = not (untouched if r.error else scheduled)
            else:
                log = session.exec(select(SessionLog).where(SessionLog.visit_id == int(r.key))).first()
                escalations = 0 if log is None else session.exec(
                    select(func.count()).select_from(Escalation).where(Escalation.session_log_id == log.id)).one()
                bad = (log is not None) if r.error else escalations != 1
            found[r.kind] += bool(bad)
    return found


# ----- the figures ----------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(v for v in values if not math.isnan(v))
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


def print_table(title: str, results: list[Result], broken: Counter, sms_crashes: list[str], walls: list[float],
                outbox: Counter) -> None:
    print(f"\n{title}")
    header = f"{'call':<12} {'attempts':>8} {'ok':>5} {'failed':>6} {'p50 ms':>8} {'p99 ms':>8} {'violations':>10}  " \
             "failures by class"
    print(header, "-" * len(header), sep="\n")
    for kind in (*KINDS, "all"):
        rows = results if kind == "all" else [r for r in results if r.kind == kind]
        failures = Counter(r.error for r in rows if r.error)
        ms = [r.seconds * 1000 for r in rows]
        bad = sum(broken.values()) if kind == "all" else broken[kind]
        classes = ", ".join(f"{name} x{n}" for name, n in failures.most_common()) or "-"
        print(f"{kind:<12} {len(rows):>8} {len(rows) - sum(failures.values()):>5} {sum(failures.values()):>6} "
              f"{percentile(ms, 0.5):>8.0f} {percentile(ms, 0.99):>8.0f} {bad:>10}  {classes}")
    crashed = [c for c in sms_crashes if c]
    print(f"SMS worker beside the writers: {len(sms_crashes)} runs, "
          f"{'crashed: ' + ', '.join(crashed) if crashed else 'none crashed'}; "
          f"outbox {dict(sorted(outbox.items())) or '{}'}")
    print(f"first start to last end, per round: {', '.join(f'{w:.2f} s' for w in walls)}")


def bench(kind: str, args: argparse.Namespace) -> None:
    with scratch_database(kind, args.postgres_url) as url:
        use_database(url)
        db.migrate(url)
        rounds = plan(args.writers, args.rounds, args.seed)
        jobs = seed(rounds)
        results: list[Result] = []
        broken: Counter = Counter()
        crashes, walls = [], []
        for round_jobs in jobs:
            round_results, crash, wall = run_round(round_jobs)
            results += round_results
            broken += violations(round_results)
            crashes.append(crash)
            walls.append(wall)
        with Session(db.get_engine()) as session:
            outbox = Counter(str(status.value) for status in session.exec(select(OutboundMessage.status)))
        db.reset_engine()
    label = "SQLite (WAL)" if kind == "sqlite" else "PostgreSQL"
    print_table(f"{label}: {args.writers} writers at once x {args.rounds} rounds, seed {args.seed}",
                results, broken, crashes, walls, outbox)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="admin URL: a scratch database is created through it and dropped at the end")
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.writers < 1 or args.rounds < 1:
        parser.error("--writers and --rounds must be at least 1")
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        bench(kind, args)  # a setup that fails raises: exit 1 with its traceback (scratch data only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
