"""The matching instance: volunteers and requests as frozen dataclasses, read from the JSON of
docs/matching-instance.md.

Each field declares its own rule (a small function below) and its default; one reader applies them and checks the
structure (an object, unknown and missing fields, unique ids). A malformed input raises ValueError with one message
saying where, the first problem in reading order, e.g.
"volunteer 'v1': unknown mode 'chat' (expected one of phone, centre, home)".
Plain dataclasses rather than pydantic: `python -m listening match` would spend a fifth of its time importing
pydantic and building its schemas.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODES = ("phone", "centre", "home")
LOCAL_MODES = frozenset({"centre", "home"})  # the volunteer must live in the resident's community
GENDERS = ("f", "m")
URGENCIES = (1, 2, 3)
SLOT_FORMAT = "%Y-%m-%dT%H:%M"
MAX_COUNTED_WAITING_DAYS = 30


def parse_slot(value: Any, where: str = "slot") -> str:
    """A slot is a local start time 'YYYY-MM-DDTHH:MM' (no UTC offset); returns it in that canonical form."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: slot {value!r} is not an ISO local time like '2026-12-02T19:00'")
    canonical, problem = _canonical_slot(value)
    if problem:
        raise ValueError(f"{where}: slot {value!r} {problem}")
    if len(_READ_SLOTS) >= _READ_SLOTS_KEPT:
        _READ_SLOTS.clear()
    _READ_SLOTS[value] = canonical
    return canonical


# Slots already read, as written -> canonical: a week's 20,000 slot values are a hundred distinct ones, and a dict
# lookup is a tenth of the cost of parse_slot. Bounded, for the app's long-lived process.
_READ_SLOTS: dict[str, str] = {}
_READ_SLOTS_KEPT = 65_536


@lru_cache(maxsize=65_536)
def _canonical_slot(value: str) -> tuple[str, str]:
    """(canonical form, "") or ("", what is wrong). Cached: a week's thousands of slot lists share a hundred slots."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "", "is not an ISO local time like '2026-12-02T19:00'"
    if moment.tzinfo is not None:
        return "", "has a UTC offset; slots are local times in the instance timezone"
    if "T" not in value or moment.second or moment.microsecond:
        return "", "must be a date and a start time to the minute"
    return moment.strftime(SLOT_FORMAT), ""


# ---------------------------------------------------------------------------------------------------------------
# Field rules. Each raises ValueError with the message after "where: "; the reader below adds the where.
# JSON types exactly: no coercion of "1" to 1, nor of true to 1.
# ---------------------------------------------------------------------------------------------------------------


def _id(value: Any, label: str = "") -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{label}expected a non-empty string id, not {value!r}")
    return value


def _integer(label: str, minimum: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{label}: expected an integer, not {value!r}")
        if minimum is not None and value < minimum:
            raise ValueError(f"{label}: must be at least {minimum}, not {value}")
        return value
    return check


def _strings(label: str, allow_empty: bool = False) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ValueError(f"{label}: expected a list of non-empty strings, not {value!r}")
        if not value and not allow_empty:
            raise ValueError(f"{label}: must not be empty")
        return tuple(dict.fromkeys(value))
    return check


def _mode(value: Any) -> str:
    if value not in MODES:
        raise ValueError(f"unknown mode {value!r} (expected one of {', '.join(MODES)})")
    return value


def _modes(value: Any) -> tuple[str, ...]:
    modes = _mode_strings(value)
    for mode in modes:
        _mode(mode)
    return modes


_mode_strings = _strings("modes")


def _gender(label: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError(f"{label} must be 'f', 'm' or null, not {value!r}")
        return value
    return check


def _community(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"community must be a non-empty string or null, not {value!r}")
    return value


def _request_community(value: Any, read: Mapping[str, Any]) -> str | None:
    community = _community(value)
    mode = read.get("mode")
    if mode in LOCAL_MODES and community is None:
        raise ValueError(f"a {mode} request needs the resident's community")
    return community


def _language(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"language must be a non-empty string, not {value!r}")
    return value


_urgency_integer = _integer("urgency")


def _urgency(value: Any) -> int:
    urgency = _urgency_integer(value)
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be 1, 2 or 3, not {urgency!r}")
    return urgency


def _previous_volunteer(value: Any) -> str | None:
    return None if value is None else _id(value, "previous_volunteer: ")


def _needs_pair(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"needs_pair must be true or false, not {value!r}")
    return value


def _slots(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"slots: expected a list of local times like '2026-12-02T19:00', not {value!r}")
    try:
        return tuple(dict.fromkeys([_READ_SLOTS[item] for item in value]))
    except (KeyError, TypeError):  # a value not read before (or not a string): each one read, or its problem said
        return tuple(dict.fromkeys(parse_slot(item, "slots") for item in value))


def _timezone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"timezone must be a string, not {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


def _list_named(name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"{name!r} must be a list")
        return value
    return check


# ---------------------------------------------------------------------------------------------------------------
# The records. Each field's rule and default is declared once, on the field; `_read_record` applies them.
# ---------------------------------------------------------------------------------------------------------------


def _rule(check: Callable[..., Any], default: Any = MISSING, *, with_record: bool = False,
          checks_default: bool = False) -> Any:
    """A field read by `check(value)`, or `check(value, fields read so far)` `with_record`; a field with a default
    may be left out, and its default is checked too when `checks_default`."""
    return field(default=default, metadata={"check": check, "with_record": with_record,
                                            "checks_default": checks_default})


@dataclass(frozen=True, kw_only=True)
class VolunteerIn:
    id: str = _rule(_id)
    languages: tuple[str, ...] = _rule(_strings("languages"))
    modes: tuple[str, ...] = _rule(_modes)
    gender: str | None = _rule(_gender("gender"), None)
    community: str | None = _rule(_community, None)
    max_slots: int = _rule(_integer("max_slots", minimum=0))
    slots: tuple[str, ...] = _rule(_slots)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "languages": list(self.languages),
            "gender": self.gender,
            "modes": list(self.modes),
            "community": self.community,
            "max_slots": self.max_slots,
            "slots": list(self.slots),
        }


@dataclass(frozen=True, kw_only=True)
class RequestIn:
    id: str = _rule(_id)
    mode: str = _rule(_mode)
    language: str = _rule(_language)
    gender_wish: str | None = _rule(_gender("gender_wish"), None)
    # Checked even when left out: a centre or home request needs it.
    community: str | None = _rule(_request_community, None, with_record=True, checks_default=True)
    urgency: int = _rule(_urgency, 1)
    previous_volunteer: str | None = _rule(_previous_volunteer, None)
    needs_pair: bool = _rule(_needs_pair, False)
    slots: tuple[str, ...] = _rule(_slots)
    waiting_days: int = _rule(_integer("waiting_days", minimum=0), 0)
    avoid: tuple[str, ...] = _rule(_strings("avoid", allow_empty=True), ())

    @property
    def weight(self) -> int:
        return self.urgency * 100 + min(self.waiting_days, MAX_COUNTED_WAITING_DAYS)

    @property
    def volunteers_needed(self) -> int:
        return 2 if self.needs_pair else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mode": self.mode,
            "language": self.language,
            "gender_wish": self.gender_wish,
            "community": self.community,
            "urgency": self.urgency,
            "waiting_days": self.waiting_days,
            "previous_volunteer": self.previous_volunteer,
            "avoid": list(self.avoid),
            "needs_pair": self.needs_pair,
            "slots": list(self.slots),
        }


def fits(request: RequestIn, volunteer: VolunteerIn) -> bool:
    """Every hard rule between one request and one volunteer, apart from time and capacity (for a coordinator
    editing a proposal; the solver checks the same rules in bulk)."""
    return (
        request.language in volunteer.languages
        and request.mode in volunteer.modes
        and (request.mode not in LOCAL_MODES or volunteer.community == request.community)
        and (request.gender_wish is None or volunteer.gender == request.gender_wish)
        and volunteer.id not in request.avoid
    )


@dataclass(frozen=True, kw_only=True)
class Instance:
    timezone: str = _rule(_timezone, "Asia/Shanghai")
    slot_minutes: int = _rule(_integer("slot_minutes", minimum=1), 60)
    volunteers: tuple[VolunteerIn, ...] = _rule(_list_named("volunteers"))
    requests: tuple[RequestIn, ...] = _rule(_list_named("requests"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Validate and read the documented JSON structure; a malformed input raises ValueError saying where.

        Problems are reported in reading order: the instance's own fields, then each volunteer and request in
        turn (within one: its id, unknown fields, missing fields, then each field's rule), then duplicate ids.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"instance: expected an object, not {type(data).__name__}")
        try:
            top = _read_record(cls, data, missing_first=False)
        except ValueError as error:
            raise ValueError(f"instance: {error}") from None
        volunteers = tuple(_read_item(VolunteerIn, "volunteers", i, item) for i, item in enumerate(top["volunteers"]))
        requests = tuple(_read_item(RequestIn, "requests", i, item) for i, item in enumerate(top["requests"]))
        for kind, items in (("volunteer", volunteers), ("request", requests)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"duplicate {kind} id {item.id!r}")
                seen.add(item.id)
        return cls(**{**top, "volunteers": volunteers, "requests": requests})

    @classmethod
    def from_json(cls, path: str | Path) -> Instance:
        with open(path, encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "slot_minutes": self.slot_minutes,
            "volunteers": [v.to_dict() for v in self.volunteers],
            "requests": [r.to_dict() for r in self.requests],
        }

    def volunteer(self, volunteer_id: str) -> VolunteerIn | None:
        return self._volunteers_by_id.get(volunteer_id)

    def request(self, request_id: str) -> RequestIn | None:
        return self._requests_by_id.get(request_id)

    # cached_property writes straight into __dict__, so it works on a frozen dataclass, whose == compares fields.
    @cached_property
    def _volunteers_by_id(self) -> dict[str, VolunteerIn]:
        return {v.id: v for v in self.volunteers}

    @cached_property
    def _requests_by_id(self) -> dict[str, RequestIn]:
        return {r.id: r for r in self.requests}


# ---------------------------------------------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------------------------------------------

_ITEM_KINDS = {"volunteers": "volunteer", "requests": "request"}


@cache
def _specs(cls: type) -> tuple[tuple[str, Callable[..., Any], bool, bool, Any], ...]:
    """(name, check, with_record, checked when left out, default) per field, in declaration order: looked up once
    per record type, not once per record."""
    return tuple((f.name, f.metadata["check"], f.metadata["with_record"], f.metadata["checks_default"], f.default)
                 for f in fields(cls))


@cache
def _names(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """The field names, and those without a default."""
    return frozenset(f.name for f in fields(cls)), frozenset(f.name for f in fields(cls) if f.default is MISSING)


def _read_record(cls: type, data: Mapping[str, Any], *, missing_first: bool) -> dict[str, Any]:
    """The fields of `data` read by their rules (left-out ones absent, unless their default is checked), or
    ValueError for the first problem: unknown fields, then missing ones (`missing_first`) and each rule in order.
    The caller adds where: building that text for every record would cost more than reading it."""
    names, required = _names(cls)
    if not names.issuperset(data):
        unknown = sorted(str(key) for key in data if key not in names)
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")
    if missing_first and not data.keys() >= required:
        raise ValueError(f"missing {next(f.name for f in fields(cls) if f.name in required and f.name not in data)!r}")
    read: dict[str, Any] = {}
    for name, check, with_record, checks_default, default in _specs(cls):
        if name in data:
            value = data[name]
        elif default is MISSING:
            raise ValueError(f"missing {name!r}")
        elif checks_default:
            value = default
        else:
            continue
        read[name] = check(value, read) if with_record else check(value)
    return read


def _read_item(cls: type, plural: str, index: int, data: Any) -> Any:
    """One volunteer or request: its id is checked first, so that every later message can name it."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{plural}[{index}]: expected an object, not {type(data).__name__}")
    try:
        _id(data.get("id"))
    except ValueError as error:
        raise ValueError(f"{plural}[{index}].id: {error}") from None
    try:
        return cls(**_read_record(cls, data, missing_first=True))
    except ValueError as error:
        raise ValueError(f"{_ITEM_KINDS[plural]} {data['id']!r}: {error}") from None
