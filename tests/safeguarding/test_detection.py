"""The risk detector: normalisation, the lexicon per kind and language, the idiom exceptions, and the labelled
corpus (tests/data/risk_corpus/) held at 100% recall and under 2% false alarms."""

from __future__ import annotations

import json

import pytest

from listening import safeguarding
from listening.safeguarding import detection, lexicon
from listening.safeguarding.normalise import LEXICON_DIR, normalise, to_simplified
from tests.safeguarding import corpus

# ----- normalisation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("我不\u200b想\u200b活了", "我不想活了"),  # zero-width spaces
    ("我\u200d不\ufeff想\u2060活\u00ad了", "我不想活了"),  # joiner, BOM, word joiner, soft hyphen
    ("我\u202e不想活了", "我不想活了"),  # a bidirectional override
    ("不\ufe0f想活了", "不想活了"),  # a variation selector
    ("自殺", "自杀"),
    ("唔想再活落去，好攰", "不想再活下去,好累"),  # Cantonese 唔, 落, 攰 fold to Mandarin; NFKC makes ， a comma
    ("活著沒有意義", "活着没有意义"),  # Taiwan 著
    ("ＫＩＬＬ　ＭＹＳＥＬＦ", "kill myself"),  # full-width letters and space
    ("I   DON’T  want\tto\nlive", "i dont want to live"),  # curly apostrophe, runs of whitespace
    ("self-harm", "self harm"),
])
def test_normalise_spaced_view(text, expected):
    assert normalise(text).spaced == expected


def test_spaces_between_chinese_characters_go_in_the_squeezed_view():
    assert normalise("我 不 想　活 了").squeezed == "我不想活了"


def test_simplified_text_comes_back_unchanged_from_opencc():
    assert to_simplified("我真的不想活了，家里存了安眠药") == "我真的不想活了，家里存了安眠药"
    assert to_simplified("plain English") == "plain English"


@pytest.mark.parametrize("text", [
    "我不\u200b想\u200b活了", "自殺", "我 不 想 活 了", "我不想活了!!!", "ＳＵＩＣＩＤＥ", "想紫砂", "不相活了",
    "suic\u200bide", "活著沒意思",
])
def test_normalisation_lets_the_lexicon_find_it(text):
    assert "suicide" in safeguarding.detect_risk(text)


# ----- each kind, each language -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, kind", [
    ("我从来没想过自杀", "suicide"),  # a negation still counts: a person should look
    ("I have never thought of suicide", "suicide"),
    ("不想再醒来", "suicide"),
    ("活够了", "suicide"),
    ("I've lived enough", "suicide"),
    ("攒了很多安眠药", "suicide"),
    ("想从楼顶下去", "suicide"),
    ("唔想再活落去", "suicide"),
    ("I don't want to be alive anymore", "suicide"),
    ("want to end it all", "suicide"),
    ("我要跟他同归于尽", "harm_others"),
    ("I'm going to kill him", "harm_others"),
    ("我想劈死佢", "harm_others"),
    ("他在家动手", "abuse"),
    ("孩子经常挨打", "abuse"),
    ("佢喺屋企郁手", "abuse"),
    ("被老公打了", "abuse"),
    ("她女婿还动过手", "abuse"),  # an aspect particle inside 动手
    ("活唔落去喇", "suicide"),  # Cantonese 唔 / 落 fold to 不 / 下
    ("he beats me", "abuse"),
    ("胸口痛，喘不过气", "medical"),
    ("she fell and can't get up", "medical"),
    ("阿媽暈咗", "medical"),
    ("对方让我把钱转到安全账户", "scam"),
    ("有人叫我买保健品", "scam"),
    ("說是警察，要我把錢轉到安全帳戶", "scam"),  # Taiwan 帳戶 folds to 账户
    ("the volunteer asked to borrow money", "scam"),
    ("个义工问我借钱", "scam"),
])
def test_each_kind_in_each_language(text, kind):
    assert kind in safeguarding.detect_risk(text)


def test_scam_is_a_risk_kind_with_a_label_and_a_checklist_column():
    from listening.models import SessionLog

    assert "scam" in safeguarding.RISK_KINDS
    assert safeguarding.risk_label_ids({"scam", "suicide"}) == [safeguarding.RISK_LABELS["suicide"],
                                                                 safeguarding.RISK_LABELS["scam"]]
    assert all(hasattr(SessionLog, f"risk_{kind}") for kind in safeguarding.RISK_KINDS)


# ----- exceptions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "笑死我了", "累死了", "饿死了", "我家那个死鬼又去钓鱼了", "好久不见，想死你了", "有事打我电话", "不好意思被打扰了",
    "今天被打了一针疫苗", "下个月要动手术", "自己动手做了个书架", "减轻生活压力", "年轻生活条件苦", "跳楼价大甩卖",
    "买菜跟老板杀价", "这部剧杀疯了", "今天腿疼，不想活动", "这盆花怕是活不下去了", "买了个紫砂壶",
    "有咩事打我電話", "打死我也不去跳广场舞", "my grandson is killing it at school", "I'm dying to see the baby",
    "her dumplings are to die for", "hit me up when you're free", "my grandson beat me at chess",
    "I could murder a cup of tea", "what a stroke of luck", "cut myself a slice of cake", "电视里的人晕倒了",
    "下象棋跟他同归于尽了", "我们那个年代小孩都是挨打长大的",
])
def test_idioms_and_everyday_phrases_raise_nothing(text):
    assert safeguarding.detect_risk(text) == set()


@pytest.mark.parametrize("text, kind", [
    ("想死你了，可是我真的不想活了", "suicide"),  # an idiom elsewhere in the note hides nothing
    ("打我电话吧，他昨天又打我了", "abuse"),
    ("花都死了，我也活不下去了", "suicide"),  # 花~活不下去 stops at the comma and within 4 characters
    ("看完电视里的节目，我就想死", "suicide"),  # the television mask ends with its clause
    ("小时候被打，现在老公也打我", "abuse"),
    ("我们那个年代挨打，我小时候就想过自杀", "suicide"),  # childhood masks abuse only, never suicide
])
def test_an_exception_masks_only_what_it_covers(text, kind):
    assert kind in safeguarding.detect_risk(text)


def _masks_something(phrase: lexicon.Phrase) -> bool:
    """Does some risk phrase of the kinds this exception applies to match inside the exception's own text?"""
    if phrase.text.startswith("re:"):
        return True  # a clause mask: tested by the sentences above
    sample = phrase.text.replace("*", "").replace("~", "")
    kinds = phrase.only_for or safeguarding.RISK_KINDS
    # Alone, or after 被: the passive 被~打 (被老公打) is what 打扰, 打针 and 打牌 collide with.
    samples = [normalise(sample), normalise("被" + sample)] if lexicon.is_cjk(sample) else [normalise(sample)]
    return any((c.latin and c.latin.search(v.spaced)) or (c.cjk and c.cjk.search(v.squeezed))
               for c in map(lexicon.compiled, kinds) for v in samples)


@pytest.mark.parametrize("phrase", lexicon.phrases("exception"), ids=lambda p: p.text)
def test_every_exception_covers_a_risk_phrase(phrase):
    """An exception that overlaps no risk phrase does nothing but hide future additions: take it out."""
    assert _masks_something(phrase), phrase.text


# ----- the lexicon files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", safeguarding.RISK_KINDS)
def test_every_lexicon_file_gives_each_group_a_reason_and_covers_chinese_and_english(kind):
    raw = json.loads((LEXICON_DIR / f"{kind}.json").read_text(encoding="utf-8"))
    assert raw["kind"] == kind and raw["_comment"]
    assert all(group["why"] for group in raw["groups"])
    languages = {p.language for p in safeguarding.risk_words(kind)}
    assert {"zh", "en"} <= languages


@pytest.mark.parametrize("phrase", [p for kind in safeguarding.RISK_KINDS for p in lexicon.phrases(kind)
                                    if not p.text.startswith("re:")], ids=lambda p: f"{p.kind}-{p.text}")
def test_every_phrase_is_found_inside_a_sentence(phrase):
    text = phrase.text.replace("*", "").replace("~", "")
    sentence = f"她说最近{text}，我们聊了很久。" if lexicon.is_cjk(text) else f"She said that {text} sometimes."
    assert phrase.kind in safeguarding.detect_risk(sentence)


def test_explain_names_the_phrase_found():
    matches = safeguarding.explain_risk("他在家动手，我也不想活了")
    assert {(m.kind, m.found) for m in matches} >= {("abuse", "动手"), ("suicide", "不想活")}


# ----- the corpus ---------------------------------------------------------------------------------------------


def test_the_corpus_is_large_and_labelled():
    sentences = corpus.load()
    crisis = [s for s in sentences if s.label != corpus.EVERYDAY]
    everyday = [s for s in sentences if s.label == corpus.EVERYDAY]
    assert len(crisis) >= 400 and len(everyday) >= 400
    assert {s.label for s in crisis} == set(safeguarding.RISK_KINDS)
    assert {s.language for s in sentences} == {"zh-Hans", "zh-Hant", "yue", "en", "mixed"}
    assert len({s.text for s in sentences}) == len(sentences)


def test_the_corpus_recall_is_complete_and_false_alarms_stay_under_two_percent():
    result = corpus.score(corpus.load(), detection.detect_risk)
    misses = [s.text for s, _ in result.misses]
    alarms = [s.text for s, _ in result.alarms]
    assert result.recall["all"].rate == 1.0, misses
    assert result.false_alarms["all"].rate < 0.02, alarms
