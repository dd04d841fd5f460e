"""Group-chat needs: classification speed, and cross-validated quality against a baseline.

The labelled corpus is peiban/chats/corpus/messages.csv (hand-written for Peiban). Both models
are scored by the same stratified 5-fold split: ours (jieba words + character pairs, complement
naive Bayes, with the keyword lexicon) and a TF-IDF (character 1–3-grams) + linear SVM baseline.
"""

from __future__ import annotations

import time
from datetime import date

from bench.runner import Figure, benchmark, measure, print_figures
from peiban.chats.classifier import (
    CHATTER,
    Example,
    cross_validate,
    folds_of,
    lexicon_examples,
    read_corpus,
    scores,
    seed_classifier,
)
from peiban.chats.demo_chat import demo_chat_text
from peiban.chats.detect import propose
from peiban.chats.features import features
from peiban.chats.parsing import parse_chat
from peiban.needs.taxonomy import DEFAULT_CATEGORIES

K = 5


def _baseline(corpus: list[tuple[str, str]]) -> tuple[float, float, float]:
    """TF-IDF + LinearSVC, same folds: (category accuracy, macro-F1, need accuracy)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    labels = [label for _text, label in corpus]
    fold = folds_of(labels, K)
    truth_cat: list[str] = []
    pred_cat: list[str] = []
    truth_need: list[str] = []
    pred_need: list[str] = []
    for f in range(K):
        train = [corpus[i] for i in range(len(corpus)) if fold[i] != f]
        test = [corpus[i] for i in range(len(corpus)) if fold[i] == f]
        vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        x = vectoriser.fit_transform([t for t, _l in train])
        need_model = LinearSVC().fit(x, [lab == CHATTER for _t, lab in train])
        needs = [(t, lab) for t, lab in train if lab != CHATTER]
        cat_model = LinearSVC().fit(
            vectoriser.transform([t for t, _l in needs]), [lab for _t, lab in needs]
        )
        xt = vectoriser.transform([t for t, _l in test])
        for (_text, label), chatter, category in zip(
            test, need_model.predict(xt), cat_model.predict(xt), strict=True
        ):
            truth_need.append(str(label == CHATTER))
            pred_need.append(str(bool(chatter)))
            if label != CHATTER:
                truth_cat.append(label)
                pred_cat.append(str(category))
    accuracy, macro, _per = scores(truth_cat, pred_cat)
    need_accuracy, _m, _p = scores(truth_need, pred_need)
    return accuracy, macro, need_accuracy


@benchmark("chats")
def bench_chats() -> None:
    names = tuple(sorted(name for name, _hint in DEFAULT_CATEGORIES))
    corpus = read_corpus()
    figures: list[Figure] = []
    examples = lexicon_examples(names) + [Example(features(t), lab) for t, lab in corpus]
    with measure("ours: 5-fold CV (jieba + NB)", figures) as notes:
        quality = cross_validate(examples, k=K)
        assert quality is not None
        notes.update(
            accuracy=f"{quality.accuracy:.3f}",
            macro_f1=f"{quality.macro_f1:.3f}",
            need_acc=f"{quality.need_accuracy:.3f}",
        )
    with measure("baseline: 5-fold CV (TF-IDF + LinearSVC)", figures) as notes:
        accuracy, macro, need_accuracy = _baseline(corpus)
        notes.update(
            accuracy=f"{accuracy:.3f}", macro_f1=f"{macro:.3f}", need_acc=f"{need_accuracy:.3f}"
        )
    classifier = seed_classifier(names)
    texts = [t for t, _l in corpus] * 8
    with measure("classify messages", figures, messages=len(texts)):
        for text in texts:
            classifier.classify(text)
    chat = demo_chat_text(buildings=20, start=date(2026, 1, 1), days=365)
    with measure("parse + propose a year of chat", figures) as notes:
        messages = parse_chat(chat)
        drafts = propose(messages, classifier)
        notes.update(messages=len(messages), proposals=len(drafts))
    # Speed without the memory tracer (which slows pure-Python code several times).
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    per_second = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    propose(parse_chat(chat), classifier)
    chat_per_second = len(messages) / (time.perf_counter() - started)
    print(
        f"\nUntraced: {per_second:,.0f} messages classified per second; "
        f"{chat_per_second:,.0f} chat messages parsed and proposed per second."
    )
    needs = sum(1 for _text, label in corpus if label != CHATTER)
    print(f"\nCorpus: {len(corpus)} hand-written messages, {needs} of them needs (13 categories).")
    print_figures("Group-chat needs", figures)
