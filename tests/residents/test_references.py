"""The reference a resident is given: read aloud, typed back, the same request."""

import pytest

from listening.residents.references import reference, request_id_of


def test_a_reference_is_short_and_names_the_request():
    assert reference(7) == "LH-0007"
    assert reference(141) == "LH-0141"
    assert reference(123456) == "LH-123456"


@pytest.mark.parametrize("typed", ["LH-0141", "lh0141", " LH 141 ", "#141", "141", "0141"])
def test_a_reference_as_a_person_types_it_finds_the_request(typed):
    assert request_id_of(typed) == 141


@pytest.mark.parametrize("typed", ["", None, "LH-", "LH-0", "13812345678x", "王芳", "LH-01-41"])
def test_anything_else_is_no_reference(typed):
    assert request_id_of(typed) is None
