"""The communities residents and volunteers belong to."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Community(SQLModel, table=True):
    __tablename__ = "community"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
