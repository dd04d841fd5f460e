from __future__ import annotations

import json

import pytest

from peiban.chats.classifier import (
    CHATTER,
    Classifier,
    Example,
    cross_validate,
    read_corpus,
    scores,
    seed_classifier,
    train,
)
from peiban.chats.features import features, words
from peiban.needs.taxonomy import DEFAULT_CATEGORIES

NAMES = tuple(sorted(name for name, _hint in DEFAULT_CATEGORIES))


def test_the_corpus_has_at_least_600_labelled_messages_of_every_category() -> None:
    corpus = read_corpus()
    labels = {label for _text, label in corpus}
    assert len(corpus) >= 600
    assert labels == {*NAMES, CHATTER}
    assert len({text for text, _label in corpus}) == len(corpus)


def test_jieba_segments_chinese_and_digits_are_folded() -> None:
    assert "电梯" in words("5栋的电梯又坏了")
    assert "w:0" in features("5栋") or "c:0栋" in features("5栋")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("5栋的电梯又坏了，老人下不了楼", "物业服务"),
        ("楼上半夜还在装修，吵死了", "邻里关系"),
        ("谁的车挡住消防通道了快挪", "停车与交通"),
        ("门口卖菜的摊贩把路堵死了", "占道与摊贩"),
    ],
)
def test_the_cold_start_names_sensible_categories(text: str, category: str) -> None:
    is_need, _p, found, _c = seed_classifier(NAMES).classify(text)
    assert is_need
    assert found == category


@pytest.mark.parametrize("text", ["大家早上好", "谢谢王阿姨的包子", "好的收到", "👍"])
def test_chatter_is_not_a_need(text: str) -> None:
    assert not seed_classifier(NAMES).classify(text)[0]


def test_a_stored_model_is_json_and_predicts_the_same() -> None:
    model = seed_classifier(NAMES)
    copy = Classifier.from_json(json.loads(json.dumps(model.as_json())))
    for text in ("电梯坏了", "楼上太吵", "早上好"):
        assert copy.classify(text)[:3:2] == model.classify(text)[:3:2]


def test_a_damaged_model_is_refused() -> None:
    data = seed_classifier(NAMES).as_json()
    data["category"]["coef"] = [[1.0]]
    with pytest.raises(ValueError, match="damaged"):
        Classifier.from_json(data)


def test_cross_validation_reports_accuracy_and_per_category_figures() -> None:
    examples = [Example(features(t), c) for t, c in read_corpus()]
    quality = cross_validate(examples, k=3)
    assert quality is not None
    assert quality.accuracy > 0.5
    assert quality.need_accuracy > 0.8
    assert set(quality.per_category) == set(NAMES)


def test_too_few_examples_give_no_quality_figure() -> None:
    assert cross_validate([Example(["w:a"], "x"), Example(["w:b"], CHATTER)]) is None


def test_training_needs_two_labels() -> None:
    with pytest.raises(ValueError, match="two different labels"):
        train([Example(["w:a"], "物业服务"), Example(["w:b"], "物业服务")])


def test_scores_macro_f1() -> None:
    accuracy, macro, per = scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert accuracy == 0.75
    assert per["a"]["recall"] == 0.5
    assert round(macro, 3) == round((2 / 3 + 0.8) / 2, 3)


def test_duplicated_examples_share_a_fold_so_the_quality_is_not_inflated() -> None:
    once = [Example(features(t), c) for t, c in read_corpus()]
    twice = once + [Example(list(e.feats), e.label) for e in once]
    single, double = cross_validate(once, k=3), cross_validate(twice, k=3)
    assert single is not None
    assert double is not None
    assert abs(double.accuracy - single.accuracy) < 0.03
