"""The matching instance: volunteers and requests as pydantic models, read from the JSON of
docs/matching-instance.md.

Pydantic checks the structure (required and unknown fields, nesting, defaults); each field's own rule is a small
validator. A malformed input raises ValueError with one message saying where, e.g.
"volunteer 'v1': unknown mode 'chat' (expected one of phone, centre, home)".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    model_validator,
)

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
    return canonical


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
# Field rules. Each raises ValueError with the message after "where: "; `_message` below adds the where.
# They are plain validators: JSON types exactly (no coercion of "1" to 1, nor of true to 1).
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
    modes = _strings("modes")(value)
    for mode in modes:
        _mode(mode)
    return modes


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


def _request_community(value: Any, info: ValidationInfo) -> str | None:
    community = _community(value)
    mode = info.data.get("mode")
    if mode in LOCAL_MODES and community is None:
        raise ValueError(f"a {mode} request needs the resident's community")
    return community


def _language(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"language must be a non-empty string, not {value!r}")
    return value


def _urgency(value: Any) -> int:
    urgency = _integer("urgency")(value)
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
# The models
# ---------------------------------------------------------------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VolunteerIn(_Record):
    id: Annotated[str, PlainValidator(_id)]
    languages: Annotated[tuple[str, ...], PlainValidator(_strings("languages"))]
    modes: Annotated[tuple[str, ...], PlainValidator(_modes)]
    gender: Annotated[str | None, PlainValidator(_gender("gender"))] = None
    community: Annotated[str | None, PlainValidator(_community)] = None
    max_slots: Annotated[int, PlainValidator(_integer("max_slots", minimum=0))]
    slots: Annotated[tuple[str, ...], PlainValidator(_slots)]

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


class RequestIn(_Record):
    id: Annotated[str, PlainValidator(_id)]
    mode: Annotated[str, PlainValidator(_mode)]
    language: Annotated[str, PlainValidator(_language)]
    gender_wish: Annotated[str | None, PlainValidator(_gender("gender_wish"))] = None
    # Checked even when left out: a centre or home request needs it.
    community: Annotated[str | None, PlainValidator(_request_community), Field(validate_default=True)] = None
    urgency: Annotated[int, PlainValidator(_urgency)] = 1
    previous_volunteer: Annotated[str | None, PlainValidator(_previous_volunteer)] = None
    needs_pair: Annotated[bool, PlainValidator(_needs_pair)] = False
    slots: Annotated[tuple[str, ...], PlainValidator(_slots)]
    waiting_days: Annotated[int, PlainValidator(_integer("waiting_days", minimum=0))] = 0
    avoid: Annotated[tuple[str, ...], PlainValidator(_strings("avoid", allow_empty=True))] = ()

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


class Instance(_Record):
    timezone: Annotated[str, PlainValidator(_timezone)] = "Asia/Shanghai"
    slot_minutes: Annotated[int, PlainValidator(_integer("slot_minutes", minimum=1))] = 60
    volunteers: Annotated[tuple[VolunteerIn, ...], BeforeValidator(_list_named("volunteers"))]
    requests: Annotated[tuple[RequestIn, ...], BeforeValidator(_list_named("requests"))]

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Instance:
        for kind, items in (("volunteer", self.volunteers), ("request", self.requests)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"duplicate {kind} id {item.id!r}")
                seen.add(item.id)
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Validate and read the documented JSON structure; a malformed input raises ValueError saying where."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise ValueError(_message(error, data)) from None

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

    # cached_property writes straight into __dict__, so it works on a frozen model; pydantic compares fields only.
    @cached_property
    def _volunteers_by_id(self) -> dict[str, VolunteerIn]:
        return {v.id: v for v in self.volunteers}

    @cached_property
    def _requests_by_id(self) -> dict[str, RequestIn]:
        return {r.id: r for r in self.requests}


# ---------------------------------------------------------------------------------------------------------------
# One message for a ValidationError: the first problem in reading order (the instance's own fields, then each
# volunteer and request in turn; within one, its id, unknown fields, missing fields, then each field's rule).
# ---------------------------------------------------------------------------------------------------------------

_INSTANCE_FIELDS = ("timezone", "slot_minutes", "volunteers", "requests")
_ITEM_KINDS = {"volunteers": "volunteer", "requests": "request"}


def _order(error: Mapping[str, Any]) -> tuple:
    loc, kind = error["loc"], error["type"]
    if not loc:
        return (-1,) if kind == "model_type" else (9,)  # not an object at all; or duplicate ids
    if len(loc) == 1:
        return (0,) if kind == "extra_forbidden" else (1 + _INSTANCE_FIELDS.index(loc[0]),)
    item = (5 + list(_ITEM_KINDS).index(loc[0]), loc[1])
    if len(loc) == 2:
        return (*item, 0)  # not an object
    phase = 1 if loc[2] == "id" else 2 if kind == "extra_forbidden" else 3 if kind == "missing" else 4
    return (*item, phase)


def _message(error: ValidationError, data: Any) -> str:
    errors = sorted(error.errors(), key=_order)  # a stable sort: pydantic's field order within a phase
    first = errors[0]
    loc, kind = first["loc"], first["type"]
    if len(loc) < 2:
        where = "instance"
    elif loc[2:] == ("id",):
        where = f"{loc[0]}[{loc[1]}].id"
    elif len(loc) == 2 and kind == "model_type":
        where = f"{loc[0]}[{loc[1]}]"
    else:
        where = f"{_ITEM_KINDS[loc[0]]} {data[loc[0]][loc[1]]['id']!r}"
    if kind == "model_type":
        return f"{where}: expected an object, not {type(first['input']).__name__}"
    if kind == "extra_forbidden":
        unknown = sorted(str(e["loc"][-1]) for e in errors if e["type"] == kind and e["loc"][:-1] == loc[:-1])
        return f"{where}: unknown field(s) {', '.join(map(repr, unknown))}"
    if kind == "missing":
        if loc[2:] == ("id",):
            return f"{where}: expected a non-empty string id, not None"
        return f"{where}: missing {loc[-1]!r}"
    reason = str(first["ctx"]["error"]) if "error" in first.get("ctx", {}) else first["msg"]
    return reason if not loc else f"{where}: {reason}"
