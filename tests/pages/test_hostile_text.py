"""Hostile text in every field a person types, shown inert on every page (issue 12, point 2).

The demo centre is seeded, then every typed-text column of every row is overwritten with one payload (a markdown
image, a link, raw HTML, bold, a colour directive, maths, a heading, 5,000 characters, control and zero-width
characters, emoji). Every page is then rendered through the real app, as a coordinator, as a volunteer and signed
out, and every string in the AppTest tree that Streamlit renders as markdown is checked: no link, image, HTML or
formatting may come from the payload, and no control or format character may reach the screen. The payload must
still be readable where the page shows people's words.

The checker walks the whole element tree and every string field of every element's proto, so a new page, a new
element or a new field is covered without changing this file; only the fields Streamlit documents as plain text
(st.text, st.code, selectbox and multiselect options, text inputs' values, dataframes) are exempt.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from google.protobuf.descriptor import FieldDescriptor
from sqlmodel import SQLModel, col, select, update

from listening.models import (
    Account,
    Activity,
    AuditEvent,
    AvailabilityException,
    Community,
    Complaint,
    DoNotMatch,
    Escalation,
    InboundMessage,
    JourneyGoal,
    Language,
    ListeningRequest,
    MessageKind,
    Mode,
    OutboundMessage,
    PartOfDay,
    RecipientKind,
    RequestReason,
    RequestStatus,
    Resident,
    SessionLog,
    TrainingModule,
    UnverifiedDetails,
    VettingStep,
    VisitStatus,
    Volunteer,
    VolunteerApplication,
    utcnow,
)
from listening.privacy import append_only
from listening.residents import intake
from listening.residents.intake import RequestForm
from listening.sms.reminders import PhoneCall
from listening.volunteers import vetting
from tests.factories.session_factories import visit
from tests.pages.conftest import ROOT, app_test, sign_in
from ui.shell import PAGES_BY_ROLE

# ----- what a person types ---------------------------------------------------------------------------------------

# Every column that holds text a person typed (a resident, a volunteer, a coordinator) or an outsider sent.
TYPED_TEXT: dict[type[SQLModel], tuple[str, ...]] = {
    Account: ("display_name",),
    Community: ("name_zh", "name_en"),
    Resident: ("display_name", "address"),
    ListeningRequest: ("topic", "cancel_reason"),
    Volunteer: ("full_name",),
    AvailabilityException: ("reason",),
    DoNotMatch: ("reason",),
    SessionLog: ("note",),
    Escalation: ("action_taken",),
    OutboundMessage: ("body", "error_message"),
    InboundMessage: ("body",),
    TrainingModule: ("title_zh", "title_en", "summary_zh", "summary_en"),
    RequestReason: ("reason",),
    UnverifiedDetails: ("display_name", "address"),
    VolunteerApplication: ("full_name", "motivation"),
    VettingStep: ("notes",),
    Complaint: ("name", "text"),
    Activity: ("name_zh", "name_en", "place", "schedule", "cost", "accessibility"),
    JourneyGoal: ("text",),
}
# Text columns that are codes, identifiers, phone numbers or machine-made, never typed words.
NOT_TYPED = {
    "account": {"username", "password_hash", "phone", "locale"},
    "community": {"code"},
    "inbound_message": {"provider_sid", "from_phone"},
    "sms_opt_out": {"phone", "source"},
    "training_module": {"code"},
    "worker_heartbeat": {"worker_id", "host"},
    "audit_event": {"action", "entity", "entity_id"},  # details: see seed() (JSON, set below)
    "auth_session": {"id", "ticket_hash"},
    "resident": {"phone", "locale"},
    "volunteer": {"phone"},
    "outbound_message": {"dedupe_key", "to_phone", "locale", "claimed_by", "provider", "provider_sid", "error_code"},
    "session_log": {"topics"},  # topic codes from a fixed list
    "escalation": {"risk_kinds"},  # risk codes from a fixed list
    "erased_opt_out": {"phone_hash"},
    "intake_attempt": {"client_key", "phone_key"},  # keyed hashes
    "sign_in_throttle": {"key"},  # a keyed hash
    "account_invite": {"code_hash"},  # a keyed hash
    "resident_view": {"context"},  # where the view happened, a code
    "request_reason": {"action"},  # an audit action's code
    "unverified_details": {"locale"},
    "volunteer_application": {"phone", "locale"},
    "phone_code": {"phone_key", "client_key", "code_hash"},  # keyed hashes
    "complaint": {"phone", "locale", "client_key"},  # the number to answer, a locale, a keyed hash
}


def _is_text(column_type) -> bool:
    # SQLModel's AutoString is a TypeDecorator around String, not a String itself.
    impl = column_type.impl_instance if isinstance(column_type, sa.types.TypeDecorator) else column_type
    return isinstance(impl, sa.String)


def test_every_text_column_is_either_typed_text_or_a_code():
    """A new text column must be added to the matrix (or named as a code here): nothing escapes by omission."""
    typed = {(model.__tablename__, column) for model, columns in TYPED_TEXT.items() for column in columns}
    unclassified = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables for column in table.columns
        if _is_text(column.type) and not isinstance(column.type, sa.Enum)
        and (table.name, column.name) not in typed and column.name not in NOT_TYPED.get(table.name, set())
    ]
    assert unclassified == []


# ----- the payloads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    fragments: tuple[str, ...]  # what must never survive unescaped in a markdown source


CONTROL = ("\x00", "\x07", "\u200b", "\u202e")
PAYLOADS = [
    Payload("image", "![](http://x.test/pixel.png)", ("![", "](http", "http://x.test")),
    Payload("link", "[点我](http://x.test)", ("[点我](", "](http", "http://x.test")),
    Payload("bare-url", "看 http://x.test/a 或 www.x.test", ("http://x.test", "www.x.test")),
    Payload("html", "<img src=x onerror=alert(1)><b>b</b>", ("<img", "<b>")),
    Payload("bold-italic", "**粗体** _斜体_", ("**粗体**", "_斜体_")),
    Payload("colour", ":red[紧急，请拨打 400-000-0000]", (":red[",)),
    Payload("maths", "$x^2$", ("$x^2$",)),
    Payload("heading", "第一行\n# 标题\n- 列表", ("# 标题", "第一行\n", "- 列表")),
    Payload("long", "长" * 4_980 + "**粗体**" + "![](http://x.test/p.png)", ("**粗体**", "](http")),
    Payload("control", "王\x00阿\x07姨\u200b\u202e", ()),
    Payload("emoji", "🙂 :smile: 阿姨", (":smile:",)),
]

_PUNCT = r"!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
_ESCAPED = re.compile(rf"\\[{_PUNCT}]")


def residue(source: str) -> str:
    """A markdown source without its backslash-escaped characters: what markdown can still act on."""
    return _ESCAPED.sub("", source)


def unescaped(source: str) -> str:
    """What a reader sees of escaped characters."""
    return re.sub(rf"\\([{_PUNCT}])", r"\1", source)


def visible(text: str) -> str:
    """Text as a reader sees it: no control or format characters, lines joined, spaces collapsed."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf"} or ch == "\n")
    return re.sub(r"\s+", " ", kept)


def marker(payload: Payload) -> str:
    """The start of the payload as a reader must still be able to read it."""
    return visible(payload.text).strip()[:24]


# ----- walking the tree ------------------------------------------------------------------------------------------

# (element type, proto field) pairs that Streamlit shows as plain text; every other string is markdown.
PLAIN_FIELDS = {
    ("text", "body"), ("code", "code_text"), ("json", "body"),
    ("selectbox", "options"), ("selectbox", "placeholder"), ("selectbox", "raw_value"),
    ("multiselect", "options"), ("multiselect", "placeholder"), ("multiselect", "raw_values"),
    ("text_input", "value"), ("text_input", "default"), ("text_input", "placeholder"),
    ("text_area", "value"), ("text_area", "default"), ("text_area", "placeholder"),
}
NOT_SHOWN = {"id", "form_id", "key", "type", "icon", "material_icon"}  # identifiers, not text on screen


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(message, prefix: str = ""):
    """(field path, text) for every string in a protobuf message, nested messages included."""
    for descriptor, value in message.ListFields():
        name = prefix + descriptor.name
        values = value if descriptor.is_repeated else [value]
        if descriptor.type == FieldDescriptor.TYPE_STRING:
            yield from ((name, v) for v in values)
        elif descriptor.type == FieldDescriptor.TYPE_MESSAGE:
            for v in values:
                if hasattr(v, "ListFields"):
                    yield from _strings(v, name + ".")


@dataclass
class Screen:
    """Everything one render shows: markdown sources and plain text, by where they come from."""
    markdown: list[tuple[str, str]] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)


def screen_of(root) -> Screen:
    screen = Screen()
    for node in _nodes(root):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind in ("dataframe", "table", "arrow_data_frame"):
            frame = node.value
            screen.plain.extend(str(c) for c in frame.columns)
            screen.plain.extend(str(v) for v in frame.to_numpy().ravel())
            continue
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        for name, text in _strings(proto):
            if name.split(".")[-1] in NOT_SHOWN:
                continue
            if (kind, name) in PLAIN_FIELDS:
                screen.plain.append(text)
            else:
                screen.markdown.append((f"{kind}.{name}", text))
    return screen


def problems_on(screen: Screen, payload: Payload, where: str) -> list[str]:
    found = []
    for source_of, text in screen.markdown:
        if bad := [c for c in CONTROL if c in text]:
            found.append(f"{where} {source_of}: control characters {bad!r} in {text[:80]!r}")
        rest = residue(text)
        if bad := [f for f in payload.fragments if f in rest]:
            found.append(f"{where} {source_of}: unescaped {bad!r} in {text[:120]!r}")
    return found


def shows(screen: Screen, payload: Payload) -> bool:
    wanted = marker(payload)
    return (any(wanted in visible(unescaped(text)) for _, text in screen.markdown)
            or any(wanted in visible(text) for text in screen.plain))


# ----- seeding ---------------------------------------------------------------------------------------------------


def seed(session, payload: Payload) -> None:
    """The demo centre, then the payload in every typed-text column of every row."""
    demo_volunteer = session.exec(select(Volunteer).join(Account).where(Account.username == "volunteer")).one()
    visit(session, volunteers=[demo_volunteer], starts_at=utcnow() - timedelta(hours=3))  # one left to log
    visit(session, volunteers=[demo_volunteer], starts_at=utcnow() + timedelta(days=2), mode=Mode.home,
          status=VisitStatus.scheduled)  # an upcoming home visit: the resident's name and address
    # The same number sent again from another browser: a request kept apart with the details it gave.
    known = session.exec(select(Resident).where(col(Resident.phone).is_not(None))).first()
    again = RequestForm(display_name="另一位", phone=known.phone, community_code="yuehai", mode=Mode.phone,
                        language=Language.mandarin, weekdays=[2], parts_of_day=[PartOfDay.evening], topic="想聊聊",
                        sensitive_consent=True, sms_consent=False)
    intake.submit(session, form=again, client_address="198.51.100.7")
    postgres = session.get_bind().dialect.name == "postgresql"

    def stored(model, column: str) -> str:
        # What the column can hold: PostgreSQL refuses NUL in text and enforces lengths that SQLite ignores.
        text = payload.text.replace("\x00", "") if postgres else payload.text
        length = getattr(model.__table__.c[column].type, "length", None)
        return text[:length] if postgres and length else text

    session.exec(update(Activity).values(free=False))  # a free activity keeps no cost (ck_activity_cost)
    for model, columns in TYPED_TEXT.items():
        session.exec(update(model).values({column: stored(model, column) for column in columns}))
    # No service writes typed text into the audit trail, and the trail is append-only: lift the guard to test
    # that a page would still show such details inert.
    with audit_guard_lifted(session):
        note = payload.text.replace("\x00", "") if postgres else payload.text
        session.exec(update(AuditEvent).values(details={"note": note}))
    resident = session.exec(select(Resident)).first()
    volunteer = session.exec(select(Volunteer)).first()
    session.add(DoNotMatch(resident_id=resident.id, volunteer_id=volunteer.id, reason=stored(DoNotMatch, "reason")))
    session.commit()


@contextmanager
def audit_guard_lifted(session):
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")  # until the seed commits
        yield
    else:
        with append_only.sqlite_triggers_lifted(connection):
            yield


def hostile_csv(payload: Payload) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["volunteer", "module", "completed_on"])
    writer.writerow([payload.text, payload.text, payload.text])
    writer.writerow(["+8613900009999", "programme", payload.text])
    return out.getvalue()


# ----- rendering every page --------------------------------------------------------------------------------------

# Signed out, a coordinator, a volunteer with visits, a volunteer still in training (the demo accounts).
VISITORS = (None, "coordinator", "volunteer", "trainee")
# Pages whose main area must show the payload (the sidebar's "signed in as" shows it on every page).
SHOWS_TYPED_TEXT = {
    None: {"request"},  # the refusal repeats the typed phone number
    "coordinator": {"coordinator_home", "triage", "matching", "volunteers", "training", "safeguarding", "sms",
                    "reports", "my_account", "applicants", "feedback", "complaints", "activities"},
    "volunteer": {"volunteer_home", "log_session", "my_training", "my_availability", "my_account"},
    "trainee": {"volunteer_home", "my_training", "my_account"},
}


def test_the_matrix_reaches_every_page_file():
    """Every file in pages/ is in some role's navigation, so the matrix below renders it."""
    in_navigation = {spec.path for specs in PAGES_BY_ROLE.values() for spec in specs}
    assert {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")} == in_navigation


def _page_name(path: str) -> str:
    return path.removeprefix("pages/").removesuffix(".py")


def interact(at, name: str, payload: Payload, session, who: str | None):
    """Open what a page hides behind a choice, so its detail views are checked too: yields after each step."""
    yield "shown"
    if name == "request" and who is None:
        at.text_input(key="request_name").input("阿姨")
        at.text_input(key="request_phone").input(payload.text)
        at.button(key="request_send").click().run()
        assert at.error, "a refusal that repeats what was typed"
        yield "the public form refusing the typed phone number"
    elif name == "triage":
        request = session.exec(select(ListeningRequest).where(ListeningRequest.status == RequestStatus.new)).first()
        queue = at.dataframe[0]  # a click on the request's row
        at.session_state[queue.key] = {"selection": {"rows": [list(queue.value.iloc[:, 0]).index(request.id)],
                                                     "columns": [], "cells": []}}
        at.run()
        yield "a request opened"
    elif name == "training":
        at.selectbox(key="timeline_volunteer").set_value(session.exec(select(Volunteer.id)).first()).run()
        yield "a volunteer's timeline"
        at.text_area(key="import_text").input(hostile_csv(payload))
        at.button(key="import_button").click().run()
        yield "a CSV import with hostile cells"
    elif name == "applicants":
        coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
        interviewed = next(row.volunteer_id for row in vetting.in_vetting(session, actor=coordinator).items
                           if any(step.notes for step in row.done))
        at.selectbox(key="vetting_volunteer").set_value(interviewed).run()
        yield "an applicant's interview notes"
    elif name == "matching":
        weeks = at.selectbox(key="week")
        weeks.set_value(weeks.value + timedelta(weeks=1)).run()
        at.button(key="run").click().run()
        yield "matching run"
        toggles = [t for t in at.toggle if (t.key or "").startswith("change_")]
        assert toggles, "the matching run made proposals"
        toggles[0].set_value(True).run()
        yield "a match being changed"


def render_all(at, role, payload: Payload, session, *, who: str | None) -> tuple[list[str], list[str]]:
    """Every page of the role through app.py; problems found, and pages that hid the payload altogether."""
    problems, hidden = [], []
    for spec in PAGES_BY_ROLE[role]:
        name = _page_name(spec.path)
        if name == "matching":
            at.session_state["matching_calls"] = [PhoneCall(
                recipient_kind=RecipientKind.resident, name=payload.text, phone="+8613800138000",
                starts_at=utcnow() + timedelta(hours=9), kind=MessageKind.visit_scheduled, request_id=1,
                message_id=1)]
        at.switch_page(spec.path).run()
        where = f"[{who or 'signed out'}] {name}"
        if name == "matching":  # the quiet-hours phone list names the people to call
            assert shows(Screen(markdown=[("warning", w.value) for w in at.warning]), payload), where
        seen_main = False
        for step in interact(at, name, payload, session, who):
            assert not at.exception, (where, step, at.exception)
            main, sidebar = screen_of(at.main), screen_of(at.sidebar)
            problems += problems_on(main, payload, f"{where} ({step})")
            problems += problems_on(sidebar, payload, f"{where} ({step}) sidebar")
            seen_main = seen_main or shows(main, payload)
            if role is not None and not shows(sidebar, payload):
                hidden.append(f"{where} ({step}) sidebar")
        if name in SHOWS_TYPED_TEXT[who] and not seen_main:
            hidden.append(where)
    return problems, hidden


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_typed_text_is_inert_on_every_page(demo, session, payload):
    seed(session, payload)
    problems, hidden = [], []
    for username in VISITORS:
        if username is None:
            at, role = app_test().run(), None
        else:
            at = sign_in(username)  # the welcome message names the account
            role = session.exec(select(Account.role).where(Account.username == username)).one()
            problems += problems_on(screen_of(at.main), payload, f"[{username}] welcome")
            at.run()
        more_problems, more_hidden = render_all(at, role, payload, session, who=username)
        problems += more_problems
        hidden += more_hidden
    assert not problems, "\n".join(dict.fromkeys(problems))
    assert not hidden, hidden
