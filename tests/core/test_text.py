"""What a person typed is stored without control or invisible characters, as typed otherwise; and the client
address the form's limits count believes X-Forwarded-For only from a configured proxy."""

from __future__ import annotations

import pytest

from listening.core.clients import client_address
from listening.core.text import clean_typed


@pytest.mark.parametrize("raw, multiline, expected", [
    ("我不\u200b想\u200b活了", False, "我不想活了"),  # zero-width space
    ("\ufeff李阿姨\u200d", False, "李阿姨"),  # byte-order mark, zero-width joiner
    ("abc\u202edef\u202c", False, "abcdef"),  # bidi override: cannot reorder what a coordinator reads
    ("STOP\x00", False, "STOP"),
    ("a\x07b\x1bc", False, "abc"),
    ("  two\nlines\tand tab  ", False, "two lines and tab"),  # one-line fields: a space, words never run together
    ("first\r\nsecond\rthird\u2028fourth", True, "first\nsecond\nthird\nfourth"),
    ("keep\ttab\x00", True, "keep\ttab"),
    ("你好，今天天气不错！（谢谢）", False, "你好，今天天气不错！（谢谢）"),  # full-width punctuation kept
    ("ＡＢＣ１２３", False, "ＡＢＣ１２３"),  # no NFKC: stored as typed
    ("😀👍", False, "😀👍"),
    ("\u3000全角空格\u3000", False, "全角空格"),
    (None, False, ""),
    ("\u200b\u200c\x00", False, ""),
])
def test_clean_typed(raw, multiline, expected):
    assert clean_typed(raw, multiline=multiline) == expected


TRUSTED = ["10.0.0.0/8", "127.0.0.1"]


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("203.0.113.9", None, "203.0.113.9"),
    ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a trusted proxy: its header is ignored
    ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
    ("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.7", "198.51.100.1"),  # the left part is the client's to forge
    ("10.0.0.5", "garbage", "10.0.0.5"),
    ("10.0.0.5", "", "10.0.0.5"),
    ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    (None, "198.51.100.1", "unknown"),
])
def test_client_address_trusts_forwarded_for_only_from_a_trusted_proxy(peer, forwarded, expected):
    assert client_address(peer, forwarded, trusted_proxies=TRUSTED) == expected
    if peer and peer.startswith("10."):
        assert client_address(peer, forwarded, trusted_proxies=[]) == peer
