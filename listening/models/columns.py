"""Column types every table shares: aware-UTC datetimes, enum columns with a CHECK, a printable StrEnum."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Refuses naive datetimes; stores UTC; always returns aware UTC datetimes (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(
    enum_cls: type[enum.Enum],
    *,
    nullable: bool = False,
    default: Any = None,
    index: bool = False,
    primary_key: bool = False,
):
    """A VARCHAR column with a CHECK constraint listing the enum's values (same on SQLite and PostgreSQL)."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=32,
            name=f"ck_{enum_cls.__name__.lower()}",
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        nullable=nullable,
        default=default,
        index=index,
        primary_key=primary_key,
    )


def utc_column(*, nullable: bool = False, default: Any = None, index: bool = False):
    return sa.Column(UTCDateTime(), nullable=nullable, default=default, index=index)


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return self.value
