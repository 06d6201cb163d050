"""Pages of a long list: the page number beside the list, and which rows of how many are shown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

from listening.core.i18n import _
from listening.core.paging import PAGE_SIZE, Page, page_number, page_of

T = TypeVar("T")


def choose(total: int, *, key: str, size: int = PAGE_SIZE) -> int:
    """The page number the viewer chose (1 when everything fits on one page); shows which rows are on it."""
    pages = max(1, -(-total // size))
    if pages == 1:
        return 1
    number = page_number(int(st.session_state.get(key, 1)), total, size)
    st.session_state[key] = number
    chosen = st.number_input(_("Page"), min_value=1, max_value=pages, step=1, key=key)
    first = (chosen - 1) * size + 1
    st.caption(_("Rows {first} to {last} of {total}", first=first, last=min(total, chosen * size), total=total))
    return int(chosen)


def show(items: Sequence[T], *, key: str, size: int = PAGE_SIZE) -> Page[T]:
    """The page of `items` to show, with the page chooser when there is more than one."""
    return page_of(items, choose(len(items), key=key, size=size), size)
