import pytest

from listening.core import phones
from listening.core.errors import InvalidInput


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "１３８００１３８０００",
                                 "8613800138000"])
def test_mainland_mobiles_in_any_form_become_e164(raw):
    assert phones.normalise(raw) == "+8613800138000"


@pytest.mark.parametrize("raw", ["", "   ", "hello", "12345", "1380013800"])
def test_bad_numbers_get_a_clear_message(raw):
    with pytest.raises(InvalidInput) as error:
        phones.normalise(raw)
    assert error.value.field == "phone" and error.value.translated()


def test_masking_keeps_head_and_tail_only():
    assert phones.mask("+8613800138000") == "+86 138****8000"
    assert phones.mask("+85291234567") == "+852 9***4567"
    assert phones.mask(None) == ""
    assert phones.is_mainland("+8613800138000") and not phones.is_mainland("+85291234567")
