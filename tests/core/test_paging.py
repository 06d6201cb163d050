"""Pages of a long list."""

from listening.core.paging import page_number, page_of


def test_a_page_holds_its_share_and_knows_the_total():
    items = list(range(120))
    first, last = page_of(items, 1, 50), page_of(items, 3, 50)
    assert first.items == tuple(range(50)) and first.total == 120 and first.pages == 3
    assert last.items == tuple(range(100, 120)) and last.first_index == 100


def test_a_number_past_either_end_shows_the_nearest_page():
    assert page_of(list(range(120)), 9, 50).number == 3
    assert page_of(list(range(120)), 0, 50).number == 1
    assert page_of([], 4, 50).items == () and page_number(4, 0, 50) == 1
