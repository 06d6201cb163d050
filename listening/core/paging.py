"""A page of a long list: what a screen shows, and how many there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int  # items on every page together
    number: int  # 1-based; a number past the end shows the last page
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_index(self) -> int:
        """The 0-based position of the page's first item in the whole list."""
        return (self.number - 1) * self.size


def page_number(number: int, total: int, size: int) -> int:
    """`number` held between the first page and the last."""
    return min(max(1, number), max(1, -(-total // size)))


def page_of(items: Sequence[T], number: int = 1, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of a list already in memory."""
    number = page_number(number, len(items), size)
    start = (number - 1) * size
    return Page(tuple(items[start:start + size]), len(items), number, size)
