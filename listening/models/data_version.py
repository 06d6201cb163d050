"""The data version: one row whose number changes with every write a page could show (listening.core.versions)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=0, sa_type=sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_data_version_one_row"),)
