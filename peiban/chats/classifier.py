"""The need classifier: is a message raising a need, and of which category.

Two linear models over the same features (jieba words, characters and character pairs, see
features.py): ``need`` separates needs from chatter, ``category`` names the category of a need.
Both are complement naive Bayes models fitted with scikit-learn and kept as plain JSON
(vocabulary, classes, weights), so a stored model is data, never code: no pickle is ever loaded.
Predicting needs only numpy.

Quality is measured by stratified k-fold cross-validation: accuracy, macro-F1 and, per category,
precision, recall, F1 and the number of examples.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from peiban.chats.features import features
from peiban.chats.lexicon import CATEGORY_WORDS, NEED_CUES

CHATTER = "闲聊"
NEED = "need"
CORPUS = Path(__file__).resolve().parent / "corpus" / "messages.csv"
FORMAT = 1


@dataclass
class LinearModel:
    vocabulary: dict[str, int]
    classes: list[str]
    coef: np.ndarray  # classes × features; one row for two classes (the second class's score)
    intercept: np.ndarray

    def __post_init__(self) -> None:
        # One contiguous row of weights per feature: summing a message's rows is fast.
        self._by_feature = np.ascontiguousarray(self.coef.T)

    def _row(self, feats: Sequence[str]) -> tuple[list[int], float]:
        seen = {self.vocabulary[f] for f in feats if f in self.vocabulary}
        return sorted(seen), (1 / math.sqrt(len(seen)) if seen else 0.0)

    def probabilities(self, feats: Sequence[str]) -> dict[str, float]:
        columns, value = self._row(feats)
        scores = self.intercept + (
            self._by_feature[columns].sum(axis=0) * value if columns else 0.0
        )
        if len(self.classes) == 2:
            p = 1 / (1 + math.exp(-min(max(float(scores[0]), -60.0), 60.0)))
            return {self.classes[0]: 1 - p, self.classes[1]: p}
        exp = np.exp(scores - scores.max())
        probs = exp / exp.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    def predict(self, feats: Sequence[str]) -> tuple[str, float]:
        probs = self.probabilities(feats)
        label = max(probs, key=lambda c: probs[c])
        return label, probs[label]

    def as_json(self) -> dict[str, Any]:
        order = sorted(self.vocabulary, key=lambda f: self.vocabulary[f])
        return {
            "features": order,
            "classes": self.classes,
            "coef": np.round(self.coef, 5).tolist(),
            "intercept": np.round(self.intercept, 5).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        names = [str(f) for f in data["features"]]
        coef = np.asarray(data["coef"], dtype=float)
        intercept = np.asarray(data["intercept"], dtype=float)
        classes = [str(c) for c in data["classes"]]
        if coef.ndim != 2 or coef.shape[1] != len(names) or len(intercept) != coef.shape[0]:
            raise ValueError("The stored classifier is damaged; train it again.")
        return cls({f: i for i, f in enumerate(names)}, classes, coef, intercept)


def _matrix(docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    indptr, indices, values = [0], [], []
    for doc in docs:
        seen = sorted({vocabulary[f] for f in doc if f in vocabulary})
        indices.extend(seen)
        values.extend([1 / math.sqrt(len(seen))] * len(seen) if seen else [])
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=float), indices, indptr), shape=(len(docs), len(vocabulary))
    )


def fit(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str],
    weights: Sequence[float] | None = None,
    *,
    alpha: float = 0.3,
) -> LinearModel:
    """A complement naive Bayes over the features' presence (rows scaled to unit length).

    Its scores are turned into probabilities by a softmax whose temperature is fitted on the
    training data (the scale that best predicts the training labels), so that the confidence
    shown to staff means something.
    """
    from sklearn.naive_bayes import ComplementNB

    vocabulary: dict[str, int] = {}
    for doc in docs:
        for f in doc:
            vocabulary.setdefault(f, len(vocabulary))
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("At least two different labels are needed to train.")
    matrix = _matrix(docs, vocabulary)
    model = ComplementNB(alpha=alpha)
    model.fit(matrix, list(labels), sample_weight=weights)
    coef = np.asarray(model.feature_log_prob_, dtype=float)
    raw = np.asarray(matrix @ coef.T)
    truth = np.searchsorted(np.asarray(model.classes_), np.asarray(labels))
    best, best_loss = 1.0, math.inf
    for scale in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        z = raw * scale
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(log_p[np.arange(len(truth)), truth].mean())
        if loss < best_loss:
            best, best_loss = float(scale), loss
    coef = coef * best
    intercept = np.zeros(len(classes))
    if len(classes) == 2:  # one row: the second class's score minus the first's
        coef, intercept = coef[1:] - coef[:1], np.zeros(1)
    return LinearModel(vocabulary, [str(x) for x in model.classes_], coef, intercept)


@dataclass
class Example:
    feats: list[str]
    label: str  # a category name, or CHATTER
    weight: float = 1.0
    evaluate: bool = True  # lexicon words train but are not scored


@dataclass
class Classifier:
    need: LinearModel
    category: LinearModel

    def classify(self, text: str) -> tuple[bool, float, str, float]:
        """(raises a need?, how sure, category, how sure)."""
        feats = features(text)
        return self.classify_features(feats)

    def classify_features(self, feats: Sequence[str]) -> tuple[bool, float, str, float]:
        if not any(f in self.need.vocabulary for f in feats):
            return False, 0.0, *self.category.predict(feats)  # nothing known: no evidence
        p_need = self.need.probabilities(feats).get(NEED, 0.0)
        category, confidence = self.category.predict(feats)
        return p_need >= 0.5, p_need, category, confidence

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "need": self.need.as_json(), "category": self.category.as_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Classifier:
        if data.get("format") != FORMAT:
            raise ValueError("The stored classifier is of an older format; train it again.")
        return cls(LinearModel.from_json(data["need"]), LinearModel.from_json(data["category"]))


def train(examples: Sequence[Example]) -> Classifier:
    need_docs = [e.feats for e in examples]
    need_labels = [CHATTER if e.label == CHATTER else NEED for e in examples]
    weights = [e.weight for e in examples]
    needs = [e for e in examples if e.label != CHATTER]
    return Classifier(
        need=fit(need_docs, need_labels, weights, alpha=0.1),
        category=fit(
            [e.feats for e in needs], [e.label for e in needs], [e.weight for e in needs], alpha=0.3
        ),
    )


# --- Quality ------------------------------------------------------------------------------------


@dataclass
class Quality:
    folds: int
    examples: int
    accuracy: float  # category, on needs
    macro_f1: float
    need_accuracy: float  # need vs chatter, on all
    need_f1: float
    per_category: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "examples": self.examples,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "need_accuracy": round(self.need_accuracy, 4),
            "need_f1": round(self.need_f1, 4),
            "per_category": self.per_category,
        }


def scores(truth: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, dict[str, Any]]:
    """Accuracy, macro-F1 and per-label precision/recall/F1/support."""
    labels = sorted(set(truth))
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p == label and t != label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    accuracy = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p) / max(len(truth), 1)
    macro = sum(v["f1"] for v in per.values()) / max(len(per), 1)
    return accuracy, macro, per


def folds_of(labels: Sequence[str], k: int, seed: int = 7) -> list[int]:
    """A stratified fold number for each example (deterministic)."""
    rng = np.random.default_rng(seed)
    fold = [0] * len(labels)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    offset = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold[i] = (j + offset) % k
        offset += len(members)
    return fold


def cross_validate(examples: Sequence[Example], *, k: int = 5) -> Quality | None:
    """k-fold cross-validated quality, or None when there are too few examples to tell."""
    scored = [i for i, e in enumerate(examples) if e.evaluate]
    counts = Counter(examples[i].label for i in scored)
    if len(scored) < 2 * k or len(counts) < 2:
        return None
    # Identical messages (the same text imported twice, a corpus message also confirmed) share a
    # fold, so that no message is scored by a model that learnt it.
    groups: dict[tuple[str, tuple[str, ...]], int] = {}
    group_of = [
        groups.setdefault((examples[i].label, tuple(sorted(set(examples[i].feats)))), len(groups))
        for i in scored
    ]
    group_fold = folds_of([label for label, _feats in groups], k)
    fold = [group_fold[g] for g in group_of]
    truth_cat: list[str] = []
    pred_cat: list[str] = []
    truth_need: list[str] = []
    pred_need: list[str] = []
    fixed = [e for e in examples if not e.evaluate]
    for f in range(k):
        test = [examples[i] for n, i in enumerate(scored) if fold[n] == f]
        training = [examples[i] for n, i in enumerate(scored) if fold[n] != f] + fixed
        if not test:
            continue
        try:
            model = train(training)
        except ValueError:
            return None
        for e in test:
            is_need, _p, category, _c = model.classify_features(e.feats)
            truth_need.append(NEED if e.label != CHATTER else CHATTER)
            pred_need.append(NEED if is_need else CHATTER)
            if e.label != CHATTER:
                truth_cat.append(e.label)
                pred_cat.append(category)
    accuracy, macro, per = scores(truth_cat, pred_cat)
    need_accuracy, _m, need_per = scores(truth_need, pred_need)
    return Quality(
        folds=k,
        examples=len(scored),
        accuracy=accuracy,
        macro_f1=macro,
        need_accuracy=need_accuracy,
        need_f1=need_per.get(NEED, {}).get("f1", 0.0),
        per_category=per,
    )


# --- Cold start -------------------------------------------------------------------------------


def read_corpus(path: Path = CORPUS) -> list[tuple[str, str]]:
    """The bundled labelled corpus: (text, category name or 闲聊) pairs."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle) if row["text"]]


def lexicon_examples(categories: Sequence[str]) -> list[Example]:
    """Each keyword of the default taxonomy as a tiny example of its category (weak weight)."""
    out = []
    for name in categories:
        for word in CATEGORY_WORDS.get(name, ()):
            out.append(Example(features(word), name, weight=0.5, evaluate=False))
    for cue in NEED_CUES:
        out.append(Example(features(cue), "其他", weight=0.2, evaluate=False))
    return [e for e in out if e.label in categories]


def seed_examples(categories: Sequence[str]) -> list[Example]:
    """The cold-start examples: the lexicon and the bundled corpus, for categories in use."""
    known = set(categories)
    corpus = [
        Example(features(text), label)
        for text, label in read_corpus()
        if label == CHATTER or label in known
    ]
    return lexicon_examples(categories) + corpus


@cache
def seed_classifier(categories: tuple[str, ...]) -> Classifier:
    """The cold-start classifier for a set of category names (trained once per process)."""
    return train(seed_examples(categories))
