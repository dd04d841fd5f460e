"""Turning a message into the words and character pairs the classifier reads.

jieba segments the Chinese text (its dictionary ships inside the installed package: nothing is
downloaded); it is initialised once, on first use, with its log kept quiet. Characters and
character pairs make the features robust to segmentation mistakes and to slang jieba misses.
Digits are folded to ``0`` so that room numbers and dates do not become words.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None

_DIGITS = re.compile(r"[0-9]+")
_KEEP = re.compile(r"[\w+]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def _jieba() -> Any:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _DIGITS.sub("0", text)


def words(text: str) -> list[str]:
    """jieba's words of the text, without punctuation and spaces."""
    return [w for w in _jieba().lcut(normalise(text)) if _KEEP.search(w) and not w.isspace()]


def features(text: str) -> list[str]:
    """Words (``w:电梯``), characters (``u:梯``) and character pairs (``c:电梯``) of the text."""
    clean = normalise(text)
    out = [f"w:{w}" for w in words(text)]
    chars = _SPACE.sub("", "".join(ch for ch in clean if _KEEP.match(ch)))
    out.extend(f"u:{ch}" for ch in chars)
    out.extend(f"c:{chars[i : i + 2]}" for i in range(len(chars) - 1))
    return out


def bag(items: Iterable[str]) -> list[str]:
    """The sorted distinct features: what a dismissed message leaves behind for training."""
    return sorted(set(items))
