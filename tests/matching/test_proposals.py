"""Matching from the database: the instance, a run end to end, approve / reject / change, and concurrency."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from listening import matching
from listening.__main__ import main as cli
from listening.core import clock, db
from listening.core.db import session_scope
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.core.i18n import set_locale
from listening.matching import proposals, week
from listening.models import (
    AuditEvent,
    AvailabilityRule,
    CompletionMethod,
    DoNotMatch,
    Escalation,
    EscalationSource,
    Gender,
    Language,
    ListeningRequest,
    MessageKind,
    Mode,
    OutboundMessage,
    Outcome,
    PartOfDay,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    SessionLog,
    ShadowSession,
    TrainingCompletion,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerStatus,
)
from listening.residents import lifecycle
from listening.volunteers import availability
from listening.volunteers.training import curriculum, sync_curriculum
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

SHENZHEN = ZoneInfo("Asia/Shanghai")
NOW = clock.now().replace(microsecond=0)  # the suite's pinned instant (--at)
WEEK = availability.week_start_of(NOW.astimezone(SHENZHEN).date()) + timedelta(weeks=2)  # a Monday to come
TUE, WED, THU = (WEEK + timedelta(days=d) for d in (1, 2, 3))
_phones = iter(range(1000, 10_000))


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHENZHEN)


def key(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"



def certify(session: Session, volunteer: Volunteer, *, home: bool, mentor: Volunteer) -> None:
    """Every core module (and the home-visit one if `home`) done a month ago, and the shadow sessions observed."""
    modules = sync_curriculum(session)
    done_on = NOW.date() - timedelta(days=30)
    for module in modules:
        if module.code == "home_visit_safety" and not home:
            continue
        session.add(TrainingCompletion(volunteer_id=volunteer.id, module_id=module.id, completed_on=done_on,
                                       method=CompletionMethod.attendance))
    for k in range(curriculum().shadow_sessions_required):
        session.add(ShadowSession(volunteer_id=volunteer.id, mentor_id=mentor.id,
                                  observed_on=done_on - timedelta(days=k + 1)))
    factories.signed_competencies(session, volunteer, on=done_on)


def volunteer(session, name: str, *, languages=(Language.mandarin,), gender=Gender.female, community="yuehai",
              cap=4, home=True, mentor=None, windows=((1, 19, 21),), username=None, vetted=True) -> Volunteer:
    _, row = factories.volunteer(session, username, name=name, languages=languages, community_code=community,
                                 phone=f"+86139000{next(_phones):05d}"[:14], vetted=vetted)
    row.gender, row.weekly_hour_cap = gender, cap
    session.add(row)
    for weekday, start, end in windows:
        session.add(AvailabilityRule(volunteer_id=row.id, weekday=weekday, start_time=time(start),
                                     end_time=time(end), valid_from=WEEK - timedelta(weeks=8)))
    if mentor is not None:
        certify(session, row, home=home, mentor=mentor)
    session.flush()
    return row


def resident(session, *, community="yuehai") -> Resident:
    return factories.resident(session, phone=f"+86137000{next(_phones):05d}"[:14], community_code=community,
                              consented_at=NOW - timedelta(days=30))


def request(session, who: Resident, *, mode=Mode.phone, language=Language.mandarin, windows=((1, "evening"),),
            urgency=1, waited_days=3, gender_wish=None, wants_same=False) -> ListeningRequest:
    row = ListeningRequest(resident_id=who.id, mode=mode, language=language, urgency=urgency,
                           gender_wish=gender_wish, wants_same_volunteer=wants_same,
                           created_at=NOW - timedelta(days=waited_days, hours=1))
    session.add(row)
    session.flush()
    for weekday, part in windows:
        on_date = weekday if isinstance(weekday, date) else None
        session.add(RequestTimeWindow(request_id=row.id, weekday=None if on_date else weekday, on_date=on_date,
                                      part_of_day=PartOfDay(part)))
    session.flush()
    return row


def past_visit(session, who: Resident, lead: Volunteer, *, mode=Mode.phone, days_ago=20) -> Visit:
    starts_at = NOW - timedelta(days=days_ago)
    old = ListeningRequest(resident_id=who.id, mode=mode, language=Language.mandarin,
                           status=RequestStatus.completed, created_at=starts_at - timedelta(days=3))
    session.add(old)
    session.flush()
    visit = Visit(request_id=old.id, mode=mode, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                  status=VisitStatus.completed)
    session.add(visit)
    session.flush()
    session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=lead.id, role=VisitRole.lead, starts_at=starts_at,
                               live=False))
    session.flush()
    return visit


@pytest.fixture
def centre(session):
    """A small centre: five usable volunteers, two who may not be matched, and six new requests."""
    coordinator = factories.coordinator(session)
    mentor = volunteer(session, "导师", windows=())  # never certified here: not a candidate
    chen = volunteer(session, "陈静", languages=(Language.mandarin, Language.cantonese), mentor=mentor,
                     windows=((1, 19, 21), (3, 19, 21)), username="chen")
    zhou = volunteer(session, "周敏", cap=2, mentor=mentor, windows=((1, 19, 21),))
    wang = volunteer(session, "王强", gender=Gender.male, community="nantou", home=False, mentor=mentor,
                     windows=((2, 14, 16),))
    resting = volunteer(session, "赵休", mentor=mentor, windows=((2, 14, 16),))
    paused = volunteer(session, "孙停", mentor=mentor, windows=((2, 14, 16),))
    paused.status = VolunteerStatus.paused
    session.add(paused)
    trainee = volunteer(session, "李新", windows=((2, 14, 16),))  # no training: no modes

    # 赵休 logged a hard session yesterday: resting, not matched
    old = past_visit(session, resident(session), resting, days_ago=1)
    log = SessionLog(visit_id=old.id, volunteer_id=resting.id, outcome=Outcome.held,
                     actual_start=old.starts_at, actual_end=old.ends_at, risk_abuse=True)
    session.add(log)
    session.flush()
    session.add(Escalation(source=EscalationSource.session_log, session_log_id=log.id, risk_kinds="abuse"))

    cantonese = request(session, resident(session), mode=Mode.centre, language=Language.cantonese, urgency=2,
                        waited_days=6, windows=((1, "evening"), (3, "evening")))
    man_wished = request(session, resident(session), windows=((2, "afternoon"),), gender_wish=Gender.male)
    first_home = request(session, resident(session), mode=Mode.home, waited_days=10)
    english = request(session, resident(session), language=Language.english)
    avoider = resident(session, community="nantou")
    session.add(DoNotMatch(resident_id=avoider.id, volunteer_id=wang.id, reason="不合适"))
    avoiding = request(session, avoider, windows=((2, "afternoon"),))
    returning = resident(session)
    past_visit(session, returning, chen, days_ago=30)
    again = request(session, returning, windows=((THU, "evening"),), wants_same=True, waited_days=40)
    session.commit()
    return {"coordinator": coordinator, "chen": chen, "zhou": zhou, "wang": wang, "resting": resting,
            "paused": paused, "trainee": trainee, "mentor": mentor, "cantonese": cantonese,
            "man_wished": man_wished, "first_home": first_home, "english": english, "avoiding": avoiding,
            "again": again, "returning": returning}


def v(row) -> str:
    return week.volunteer_key(row.id)


def r(row) -> str:
    return week.request_key(row.id)


# ----- the instance ---------------------------------------------------------------------------------------------


def test_the_instance_built_from_the_database_matches_the_documented_format(session, centre):
    c = centre
    data = week.build_instance(session, week_start=WEEK, now=NOW).data
    assert set(data) == {"timezone", "slot_minutes", "volunteers", "requests"}
    assert (data["timezone"], data["slot_minutes"]) == ("Asia/Shanghai", 60)
    volunteers = {row["id"]: row for row in data["volunteers"]}
    # the resting, paused, untrained volunteers and the mentor without records are left out
    assert set(volunteers) == {v(c["chen"]), v(c["zhou"]), v(c["wang"])}
    assert volunteers[v(c["chen"])] == {
        "id": v(c["chen"]), "languages": ["yue", "zh"], "gender": "f", "modes": ["centre", "home", "phone"],
        "community": "yuehai", "max_slots": 4,
        "slots": [key(TUE, 19), key(TUE, 20), key(THU, 19), key(THU, 20)]}
    assert volunteers[v(c["wang"])]["modes"] == ["centre", "phone"]  # no home-visit module
    assert volunteers[v(c["wang"])]["gender"] == "m"
    assert volunteers[v(c["zhou"])]["max_slots"] == 2

    requests_ = {row["id"]: row for row in data["requests"]}
    assert set(requests_) == {r(c[k]) for k in ("cantonese", "man_wished", "first_home", "english", "avoiding",
                                                "again")}
    assert requests_[r(c["cantonese"])] == {
        "id": r(c["cantonese"]), "mode": "centre", "language": "yue", "gender_wish": None, "community": "yuehai",
        "urgency": 2, "waiting_days": 6, "previous_volunteer": None, "avoid": [], "needs_pair": False,
        "slots": [key(TUE, 18), key(TUE, 19), key(TUE, 20), key(THU, 18), key(THU, 19), key(THU, 20)]}
    assert requests_[r(c["man_wished"])]["slots"] == [key(WED, h) for h in range(12, 18)]
    assert requests_[r(c["man_wished"])]["gender_wish"] == "m"
    assert requests_[r(c["first_home"])]["needs_pair"] is True
    assert requests_[r(c["avoiding"])]["avoid"] == [v(c["wang"])]
    again = requests_[r(c["again"])]
    assert (again["previous_volunteer"], again["waiting_days"]) == (v(c["chen"]), 40)
    assert again["slots"] == [key(THU, 18), key(THU, 19), key(THU, 20)]  # a date window
    # the solver reads it as it is, and so does the command line
    matching.Instance.from_dict(json.loads(json.dumps(data)))


def test_a_trained_volunteer_not_yet_vetted_is_never_proposed(session, centre):
    c = centre
    unvetted = volunteer(session, "吴未审", mentor=c["mentor"], windows=((1, 19, 21), (3, 19, 21)), vetted=False)
    session.commit()
    ids = {row["id"] for row in week.build_instance(session, week_start=WEEK, now=NOW).data["volunteers"]}
    assert v(unvetted) not in ids and v(c["chen"]) in ids
    run = proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    assert run.proposed
    proposed = session.exec(select(VisitVolunteer.volunteer_id).where(VisitVolunteer.live)).all()
    assert proposed and unvetted.id not in proposed


def test_booked_hours_lower_the_cap_and_take_the_slot(session, centre):
    chen = centre["chen"]
    other = request(session, resident(session))
    lifecycle.propose(session, actor=centre["coordinator"], request_id=other.id, volunteer_ids=[chen.id],
                     starts_at=local(THU, 19).astimezone(UTC))
    session.commit()
    row = next(x for x in week.build_instance(session, week_start=WEEK, now=NOW).data["volunteers"]
               if x["id"] == v(chen))
    assert row["max_slots"] == 3
    assert row["slots"] == [key(TUE, 19), key(TUE, 20), key(THU, 20)]


def test_only_slots_still_to_come_are_offered(session, centre):
    now = local(TUE, 19) + timedelta(minutes=30)
    data = week.build_instance(session, week_start=WEEK, now=now).data
    chen = next(x for x in data["volunteers"] if x["id"] == v(centre["chen"]))
    assert chen["slots"] == [key(TUE, 20), key(THU, 19), key(THU, 20)]
    cantonese = next(x for x in data["requests"] if x["id"] == r(centre["cantonese"]))
    assert cantonese["slots"] == [key(TUE, 20), key(THU, 18), key(THU, 19), key(THU, 20)]
    with pytest.raises(InvalidInput):
        week.build_instance(session, week_start=TUE, now=NOW)


def test_the_command_line_runs_the_same_instance(session, centre, tmp_path):
    data = week.build_instance(session, week_start=WEEK, now=NOW).data
    source, target = tmp_path / "week.json", tmp_path / "result.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli(["match", str(source), "-o", str(target)]) == 0
    result = json.loads(target.read_text(encoding="utf-8"))
    served = {a["request"] for a in result["assignments"]}
    assert served == {r(centre[k]) for k in ("cantonese", "man_wished", "first_home", "again")}
    assert {u["request"] for u in result["unmatched"]} == {r(centre["english"]), r(centre["avoiding"])}


def test_the_command_line_refuses_a_malformed_instance_without_a_traceback(tmp_path, capsys):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps({"volunteers": [], "requests": [{"id": "r1"}]}), encoding="utf-8")
    assert cli(["match", str(source), "-o", str(tmp_path / "out.json")]) == 2
    assert "request 'r1': missing 'mode'" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


# ----- a run end to end -----------------------------------------------------------------------------------------


def test_a_run_proposes_the_optimum_and_says_why_the_rest_waits(session, centre):
    c = centre
    steps = []
    run = proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW,
                                 progress=lambda fraction, message: steps.append(fraction))
    session.commit()
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert sorted(run.proposed) == sorted(c[k].id for k in ("cantonese", "man_wished", "first_home", "again"))
    assert run.proven_optimal and not run.conflicts
    assert run.optimum.weight == 206 + 103 + 110 + 130 >= run.baseline.weight
    assert run.optimum.served >= run.baseline.served
    assert (run.requests, run.volunteers) == (6, 3)

    visits = {visit.request_id: visit for visit in session.exec(select(Visit).where(
        Visit.status == VisitStatus.proposed))}
    booked = {}
    for booking in session.exec(select(VisitVolunteer).where(VisitVolunteer.live)):
        booked.setdefault(booking.visit_id, []).append((booking.role, booking.volunteer_id))
    first_home = visits[c["first_home"].id]
    assert sorted(vid for _, vid in booked[first_home.id]) == sorted([c["chen"].id, c["zhou"].id])
    assert first_home.starts_at.astimezone(SHENZHEN).date() == TUE
    assert booked[visits[c["cantonese"].id].id] == [(VisitRole.lead, c["chen"].id)]
    assert booked[visits[c["man_wished"].id].id] == [(VisitRole.lead, c["wang"].id)]
    assert booked[visits[c["again"].id].id] == [(VisitRole.lead, c["chen"].id)]  # continuity
    for row in session.exec(select(ListeningRequest).where(ListeningRequest.id.in_(run.proposed))):
        assert row.status == RequestStatus.matched

    set_locale("en")
    reasons = {u.request_id: u.text() for u in run.unmatched}
    assert set(reasons) == {c["english"].id, c["avoiding"].id}
    assert all(text and "{" not in text for text in reasons.values())
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "matching.run")).one()
    assert event.details["proposed"] == 4 and event.details["unmatched"] == 2

    # a second run finds nothing new to do and changes nothing
    again = proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    assert not again.proposed and again.requests == 2


def test_only_coordinators_run_matching(session, centre):
    chen_account = session.exec(select(Volunteer).where(Volunteer.id == centre["chen"].id)).one()
    from listening.models import Account

    account = session.get(Account, chen_account.account_id)
    with pytest.raises(NotAllowed):
        proposals.run_matching(session, actor=account, week_start=WEEK, now=NOW)
    with pytest.raises(NotAllowed):
        proposals.proposals(session, actor=account, week_start=WEEK)


def test_review_shows_each_match_with_its_reasons(session, centre):
    c = centre
    proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    set_locale("en")
    listed = {p.request_id: p for p in proposals.proposals(session, actor=c["coordinator"], week_start=WEEK)}
    assert set(listed) == {c[k].id for k in ("cantonese", "man_wished", "first_home", "again")}
    cantonese = listed[c["cantonese"].id]
    texts = [reason.text() for reason in cantonese.volunteers[0].reasons]
    assert texts[0] == "Speaks Cantonese"
    assert any(t.startswith("Lives in the resident's community") for t in texts)
    assert any(t.startswith("Load: ") and "of 4 hours" in t for t in texts)
    again = [reason.text() for reason in listed[c["again"].id].volunteers[0].reasons]
    assert "The volunteer the resident saw last time, as they wished" in again
    home = listed[c["first_home"].id]
    assert home.needs_pair and [p.role for p in home.volunteers] == [VisitRole.lead, VisitRole.partner]
    set_locale("zh_CN")
    assert cantonese.volunteers[0].reasons[0].text() == "会说粤语"


# ----- approve, reject, change ----------------------------------------------------------------------------------


def test_approval_schedules_the_visit_and_queues_its_messages_in_one_go(session, centre):
    c = centre
    proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    with session_scope() as s:
        visit = proposals.approve(s, actor=c["coordinator"], request_id=c["cantonese"].id, now=NOW).visit
    session.rollback(); session.expire_all()  # a fresh snapshot
    assert session.get(ListeningRequest, c["cantonese"].id).status == RequestStatus.scheduled
    assert session.get(Visit, visit.id).status == VisitStatus.scheduled
    messages = session.exec(select(OutboundMessage).where(OutboundMessage.visit_id == visit.id)).all()
    assert {m.kind for m in messages} >= {MessageKind.visit_scheduled}
    assert {m.recipient_kind.value for m in messages if m.kind == MessageKind.visit_scheduled} == {"resident",
                                                                                                   "volunteer"}
    with pytest.raises(IllegalTransition), session_scope() as s:  # approving twice is refused
        proposals.approve(s, actor=c["coordinator"], request_id=c["cantonese"].id)

    with session_scope() as s:
        outcome = proposals.approve_all(s, actor=c["coordinator"], week_start=WEEK, now=NOW)
    assert sorted(outcome.approved) == sorted(c[k].id for k in ("man_wished", "first_home", "again"))
    assert not outcome.failed
    with session_scope() as s:
        assert proposals.proposals(s, actor=c["coordinator"], week_start=WEEK) == []


def test_rejecting_frees_the_volunteer_and_the_request_waits_again(session, centre):
    c = centre
    proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    with pytest.raises(InvalidInput), session_scope() as s:
        proposals.reject(s, actor=c["coordinator"], request_id=c["cantonese"].id, reason="  ")
    with session_scope() as s:
        proposals.reject(s, actor=c["coordinator"], request_id=c["cantonese"].id, reason="居民本周住院")
    session.rollback(); session.expire_all()  # a fresh snapshot
    assert session.get(ListeningRequest, c["cantonese"].id).status == RequestStatus.new
    visit = session.exec(select(Visit).where(Visit.request_id == c["cantonese"].id)).one()
    assert visit.status == VisitStatus.cancelled
    free = availability.free_slots(session, week_start=WEEK, volunteer_ids=[c["chen"].id])[c["chen"].id]
    assert visit.starts_at in free  # 陈静 is free again at that hour
    assert len(free) == 4 - 2  # the home visit and the returning resident still hold two of her four hours


def test_changing_a_proposal_checks_the_same_hard_rules(session, centre):
    c = centre
    proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    rid = c["cantonese"].id
    with session_scope() as s:
        options = proposals.change_options(s, actor=c["coordinator"], request_id=rid)
    # only 陈静 speaks Cantonese: her hour now held for this request, and her one hour still free
    assert len(options) == 2 and all(o.volunteer_ids == (c["chen"].id,) for o in options)
    assert all(o.starts_at.astimezone(SHENZHEN).date() in (TUE, THU) for o in options)
    session.rollback(); session.expire_all()  # a fresh snapshot
    assert session.get(ListeningRequest, rid).status == RequestStatus.matched  # looking changed nothing

    with pytest.raises(InvalidInput), session_scope() as s:  # 周敏 does not speak Cantonese
        proposals.change(s, actor=c["coordinator"], request_id=rid, volunteer_ids=[c["zhou"].id],
                         starts_at=options[0].starts_at)
    session.rollback(); session.expire_all()  # a fresh snapshot
    before = session.exec(select(Visit).where(Visit.request_id == rid, Visit.status == VisitStatus.proposed)).one()
    assert session.get(ListeningRequest, rid).status == RequestStatus.matched  # nothing half-written

    target = next(o for o in options if o.starts_at != before.starts_at)
    with session_scope() as s:
        proposals.change(s, actor=c["coordinator"], request_id=rid, volunteer_ids=list(target.volunteer_ids),
                         starts_at=target.starts_at)
    session.rollback(); session.expire_all()  # a fresh snapshot
    after = session.exec(select(Visit).where(Visit.request_id == rid, Visit.status == VisitStatus.proposed)).one()
    assert after.starts_at == target.starts_at and after.id != before.id
    assert session.get(Visit, before.id).status == VisitStatus.cancelled


# ----- two coordinators at once ---------------------------------------------------------------------------------


class _AlreadyTogether:
    def wait(self) -> None:
        pass


def _race(engine, *work):
    """Run each `work(session)` in its own thread and write transaction, as the app does, all started together;
    returns what each returned or raised. On PostgreSQL they are also released together after a first read. On
    SQLite a write transaction holds the lock from its first statement, so the second waits for the first: the
    interleaving cannot happen there, which is the point."""
    start = threading.Barrier(len(work), timeout=30)
    barrier = threading.Barrier(len(work), timeout=30) if engine.dialect.name == "postgresql" else _AlreadyTogether()
    outcomes: list = [None] * len(work)

    def runner(index, job):
        try:
            start.wait()
            with Session(db.for_writing(engine), expire_on_commit=False) as session:
                try:
                    outcomes[index] = job(session, barrier)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = error

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _no_double_booking(session) -> None:
    session.rollback(); session.expire_all()  # a fresh snapshot
    live_per_request = session.exec(
        select(Visit.request_id, func.count()).where(Visit.status.in_(("proposed", "scheduled", "confirmed")))
        .group_by(Visit.request_id)).all()
    assert all(n == 1 for _, n in live_per_request)
    per_slot = session.exec(select(VisitVolunteer.volunteer_id, VisitVolunteer.starts_at, func.count())
                            .where(VisitVolunteer.live).group_by(VisitVolunteer.volunteer_id,
                                                                 VisitVolunteer.starts_at)).all()
    assert all(n == 1 for _, _, n in per_slot)


def test_two_coordinators_booking_one_volunteer_into_one_slot_at_once(engine, session, centre, backend):
    """Two proposals for different requests, same volunteer, same hour, written at the same moment."""
    c = centre
    other = request(session, resident(session))
    session.commit()
    starts_at = local(TUE, 20).astimezone(UTC)

    def book(request_id):
        def job(s, barrier):
            s.get(ListeningRequest, request_id)  # both transactions have read before either writes
            barrier.wait()
            return lifecycle.propose(s, actor=c["coordinator"], request_id=request_id,
                                    volunteer_ids=[c["chen"].id], starts_at=starts_at)
        return job

    outcomes = _race(engine, book(c["cantonese"].id), book(other.id))
    won = [o for o in outcomes if isinstance(o, Visit)]
    lost = [o for o in outcomes if not isinstance(o, Visit)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], (IllegalTransition, sa.exc.OperationalError)), lost
    _no_double_booking(session)
    assert factories.count(session, VisitVolunteer) == 3  # the two past visits and the winner
    if backend == "postgresql":  # the loser waited for the winner and was refused by the unique index
        assert isinstance(lost[0], IllegalTransition)
    # SQLite lets one writer at a time in, so its loser was refused by the lock; trying again in a fresh
    # transaction, it is refused by the unique index, like on PostgreSQL
    loser_request = other.id if won[0].request_id == c["cantonese"].id else c["cantonese"].id
    with pytest.raises(IllegalTransition), session_scope() as s:
        lifecycle.propose(s, actor=c["coordinator"], request_id=loser_request, volunteer_ids=[c["chen"].id],
                         starts_at=starts_at)
    _no_double_booking(session)


def test_two_coordinators_running_matching_for_the_same_week_at_once(engine, session, centre):
    c = centre

    def run(s, barrier):
        return proposals.run_matching(s, actor=c["coordinator"], week_start=WEEK, now=NOW,
                                      progress=lambda fraction, _m: barrier.wait() if fraction == 0.8 else None)

    outcomes = _race(engine, run, run)
    runs = [o for o in outcomes if isinstance(o, proposals.MatchingRun)]
    assert runs and all(isinstance(o, (proposals.MatchingRun, IllegalTransition)) for o in outcomes), outcomes
    stored = sum(len(o.proposed) for o in runs)
    assert stored == 4  # one run's proposals, never both
    _no_double_booking(session)
    assert factories.count(session, VisitVolunteer) == 2 + 5  # two past visits; four proposals, one of them a pair


def test_two_coordinators_approving_the_same_proposal_at_once(engine, session, centre):
    c = centre
    proposals.run_matching(session, actor=c["coordinator"], week_start=WEEK, now=NOW)
    session.commit()
    second = factories.coordinator(session, "coord2")
    session.commit()
    rid = c["cantonese"].id

    def approve(actor):
        def job(s, barrier):
            s.get(ListeningRequest, rid)
            barrier.wait()
            return proposals.approve(s, actor=actor, request_id=rid)
        return job

    outcomes = _race(engine, approve(c["coordinator"]), approve(second))
    assert sum(isinstance(o, proposals.Approval) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, IllegalTransition) for o in outcomes) == 1, outcomes
    session.rollback(); session.expire_all()  # a fresh snapshot
    assert session.get(ListeningRequest, rid).status == RequestStatus.scheduled
    notices = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.visit_scheduled)).all()
    assert len(notices) == 2  # the resident and 陈静, once each


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_CN", "南头街道没有会说普通话并已获到中心认证的志愿者"),
    ("en", "no volunteer speaking Mandarin and certified for centre sessions lives in Nantou"),
])
def test_an_unmatched_reason_names_the_community_not_its_code(locale, expected):
    set_locale(locale)
    try:
        item = proposals.Unmatched(request_id=1, code="no_community",
                                   params={"language": "zh", "mode": "centre", "community": "nantou"})
        assert item.text() == expected
        assert "nantou" not in item.text()
    finally:
        set_locale("zh_CN")
