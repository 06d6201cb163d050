"""The communities (街道) the centre serves, kept as data in data/communities.json."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlmodel import Session, select

from listening.core.config import DATA_DIR
from listening.core.i18n import DEFAULT_LOCALE, get_locale
from listening.models import Community


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / "communities.json").read_text(encoding="utf-8")))


def sync_communities(session: Session) -> list[Community]:
    """Insert or update the communities listed in the data file; returns them all."""
    rows = _rows()
    existing = {c.code: c for c in session.exec(select(Community))}
    for row in rows:
        community = existing.get(row["code"]) or Community(code=row["code"], name_zh="", name_en="")
        community.name_zh, community.name_en = row["name_zh"], row["name_en"]
        session.add(community)
        existing[row["code"]] = community
    session.flush()
    return list(existing.values())


def all_communities(session: Session) -> list[Community]:
    return list(session.exec(select(Community).order_by(Community.code)))


def community_name(community: Community) -> str:
    return community.name_zh if get_locale() == DEFAULT_LOCALE else community.name_en


@lru_cache(maxsize=1)
def _by_code() -> dict[str, dict]:
    return {row["code"]: row for row in _rows()}


def name_of(code: str) -> str:
    """A community's name in the current language, from its code (the code itself if it is unknown)."""
    row = _by_code().get(code)
    return code if row is None else row["name_zh" if get_locale() == DEFAULT_LOCALE else "name_en"]
