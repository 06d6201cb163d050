import unicodedata

import pytest

from listening.sms.replies import (
    KEYWORDS,
    FeedbackAnswer,
    ReplyIntent,
    classify_reply,
    complaint_text,
    feedback_answer,
    normalize_reply,
)

EXPECTED = {
    ReplyIntent.CONFIRM: ["1", "Y", "YES", "确认", "是"],
    ReplyIntent.CANCEL: ["2", "N", "NO", "取消"],
    ReplyIntent.OPT_OUT: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "TD", "退订"],
    ReplyIntent.OPT_IN: ["START", "UNSTOP"],
    ReplyIntent.HELP: ["HELP", "INFO", "帮助"],
}
ALL_KEYWORDS = [(keyword, intent) for intent, keywords in EXPECTED.items() for keyword in keywords]


def full_width(text: str) -> str:
    """ASCII letters and digits as a Chinese input method types them (U+FF01..U+FF5E)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def test_keyword_table_is_exactly_the_documented_one():
    assert {intent: sorted(words) for intent, words in KEYWORDS.items()} == {
        intent: sorted(words) for intent, words in EXPECTED.items()
    }


def test_no_keyword_belongs_to_two_intents():
    folded = [normalize_reply(keyword) for keywords in KEYWORDS.values() for keyword in keywords]
    assert len(folded) == len(set(folded))


@pytest.mark.parametrize(("keyword", "intent"), ALL_KEYWORDS)
@pytest.mark.parametrize("variant", [str.upper, str.lower, str.title, full_width, lambda k: full_width(k.lower())])
def test_every_keyword_in_both_widths_and_any_case(keyword, intent, variant):
    assert classify_reply(variant(keyword)) == intent


@pytest.mark.parametrize(("keyword", "intent"), ALL_KEYWORDS)
@pytest.mark.parametrize(
    "wrap",
    ["  {}  ", "{}。", "{}!", "【{}】", "“{}”", "{}\n", "\ufeff{}", "{}\u200b", "({})", "{}……", "{}！！", "\t{}."],
)
def test_whitespace_and_punctuation_around_a_keyword_are_ignored(keyword, intent, wrap):
    assert classify_reply(wrap.format(keyword)) == intent


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("确 认", ReplyIntent.CONFIRM),  # a stray space typed between the characters
        ("y.e.s", ReplyIntent.CONFIRM),
        ("①", ReplyIntent.CONFIRM),  # circled digit folds to 1
        ("２", ReplyIntent.CANCEL),
        ("Stop All", ReplyIntent.OPT_OUT),  # Twilio's STOPALL typed with a space
        ("ｔｄ", ReplyIntent.OPT_OUT),
        ("Td", ReplyIntent.OPT_OUT),
    ],
)
def test_folded_variants(body, intent):
    assert classify_reply(body) == intent


def test_english_cancel_is_an_opt_out_because_twilio_treats_it_as_one():
    assert classify_reply("CANCEL") == ReplyIntent.OPT_OUT
    assert classify_reply("cancel") == ReplyIntent.OPT_OUT
    assert classify_reply("取消") == ReplyIntent.CANCEL


def test_yes_confirms_and_is_not_an_opt_in():
    assert classify_reply("YES") == ReplyIntent.CONFIRM
    assert classify_reply("start") == ReplyIntent.OPT_IN


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "。",
        "yes please",
        "1 2 3",  # two digits are a feedback answer (below); three are nothing
        "123",
        "62",  # a score is 1-5
        "53",  # and the second digit 1 or 2
        "我想改时间",
        "不确认",
        "确认取消",
        "stop it",
        "help me",
        "3",
        "👍",
        "ok",
        "谢谢",
    ],
)
def test_anything_else_is_other(body):
    assert classify_reply(body) == ReplyIntent.OTHER


def test_normalize_reply_folds_width_and_case_and_drops_punctuation():
    assert normalize_reply(" ＳＴＯＰ！ ") == "stop"
    assert normalize_reply("【确认】") == "确认"
    assert unicodedata.is_normalized("NFKC", normalize_reply("ｈｅｌｐ"))


@pytest.mark.parametrize(("body", "answer"), [
    ("52", FeedbackAnswer(5, False)), ("5 2", FeedbackAnswer(5, False)), ("５，２", FeedbackAnswer(5, False)),
    ("５２", FeedbackAnswer(5, False)), ("1 1", FeedbackAnswer(1, True)), ("12", FeedbackAnswer(1, False)),
    ("【3，1】", FeedbackAnswer(3, True)), ("4-2", FeedbackAnswer(4, False)), ("⑤②", FeedbackAnswer(5, False)),
])
def test_two_digits_are_a_feedback_answer_score_first(body, answer):
    """The second digit is 1 = yes (someone asked for money or private contact), 2 = no; one digit stays a
    confirm or cancel, so no reply means two things."""
    assert classify_reply(body) == ReplyIntent.FEEDBACK
    assert feedback_answer(body) == answer


@pytest.mark.parametrize("body", ["1", "2", "5", "62", "50", "522", "五二", "5 2 分"])
def test_anything_else_is_not_a_feedback_answer(body):
    assert feedback_answer(body) is None


@pytest.mark.parametrize(("body", "text"), [
    ("投诉 志愿者迟到", "志愿者迟到"), ("【投诉】没人通知我", "没人通知我"), ("COMPLAINT: late", "late"),
    ("ｃｏｍｐｌａｉｎｔｓ", ""), ("complaint", ""),
])
def test_a_message_starting_with_the_complaint_keyword_is_a_complaint(body, text):
    assert classify_reply(body) == ReplyIntent.COMPLAINT
    assert complaint_text(body) == text


@pytest.mark.parametrize("body", ["complainant here", "我想投诉", "no complaint"])
def test_the_complaint_keyword_must_come_first_and_whole(body):
    assert classify_reply(body) == ReplyIntent.OTHER and complaint_text(body) is None
