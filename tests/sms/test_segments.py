import pytest

from listening.sms.segments import GSM7_BASIC, GSM7_EXTENSION, encoding, segment_count


def test_gsm_alphabet_has_127_characters_plus_escape_and_10_extension_characters():
    assert len(GSM7_BASIC) == 127  # 128 code points, minus the escape
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Your listening hour is confirmed. Reply 1 to confirm, 2 to cancel.", "GSM-7"),
        ("Prices in € and {braces} stay GSM-7", "GSM-7"),
        ("Ça coûte rien", "UCS-2"),  # û is not in the GSM alphabet (Ç is)
        ("倾听一小时", "UCS-2"),
        ("Reply 1，thanks", "UCS-2"),  # a full-width comma is enough to switch the whole message
        ("ok 😀", "UCS-2"),
        ("", "GSM-7"),
    ],
)
def test_encoding(body, expected):
    assert encoding(body) == expected


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets: the extension table counts double
        ("€" * 81, 2),
        ("a" * 159 + "{", 2),  # 161 septets
    ],
)
def test_gsm7_segments(body, segments):
    assert segment_count(body) == segments


def test_gsm7_escape_sequence_is_not_split_between_segments():
    # 306 septets would fit two segments of 153 if the escape of "€" could be split from its character.
    body = "a" * 152 + "€" + "a" * 152
    assert segment_count(body) == 3


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("你" * 70, 1),
        ("你" * 71, 2),
        ("你" * 134, 2),
        ("你" * 135, 3),
        ("😀" * 35, 1),  # an emoji is a surrogate pair: 70 code units
        ("😀" * 36, 2),
        ("你" * 69 + "😀", 2),  # 71 code units
    ],
)
def test_ucs2_segments_count_utf16_code_units(body, segments):
    assert segment_count(body) == segments


def test_ucs2_surrogate_pair_is_not_split_between_segments():
    body = "你" * 66 + "😀" + "你" * 66  # 134 code units, but the emoji cannot straddle the boundary
    assert segment_count(body) == 3


def test_a_typical_chinese_reminder_fits_one_segment():
    reminder = "【倾听一小时】提醒：明天14:00社区中心倾听服务。回复1确认，2取消。服务免费，志愿者不会向您收取任何费用。"
    assert len(reminder) <= 70
    assert segment_count(reminder) == 1
