"""The expression evaluator: XPath semantics on the subset, and no crash on any text."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from peiban.surveys.expressions import Context, ExpressionError, evaluate, parse

ANSWERS = Context(answers={"age": "67", "needs": "elderly_care other", "name": "李", "blank": ""})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${age} >= 60", True),
        ("${age} > 60 and ${age} < 65", False),
        ("${age} > 100 or selected(${needs}, 'other')", True),
        ("not(selected(${needs}, 'health'))", True),
        ("count-selected(${needs})", 2.0),
        ("string-length(${name})", 1.0),
        ("${blank} = ''", True),
        ("${blank} > 3", False),  # blank is NaN as a number
        ("${age} = 67", True),
        ("${age} = '67'", True),
        ("${age} + 3 * 2", 73.0),
        ("(${age} + 3) * 2", 140.0),
        ("7 div 2", 3.5),
        ("7 mod 3", 1.0),
        ("-7 mod 3", -1.0),
        ("1 div 0", math.inf),
        ("-${age}", -67.0),
        ("if(${age} > 60, 'old', 'young')", "old"),
        ("true() and not(false())", True),
        ("'2026-03-05' < '2026-12-01'", True),
        ("concat(${name}, '先生')", "李先生"),
    ],
)
def test_expressions_follow_xpath_rules(expression: str, expected: object) -> None:
    assert evaluate(expression, ANSWERS) == expected


def test_the_dot_is_the_answer_being_checked() -> None:
    assert evaluate(". >= 0 and . < 130", Context(answers={}, current="45")) is True
    assert evaluate(". >= 0 and . < 130", Context(answers={}, current="200")) is False
    assert evaluate("count-selected(.) <= 3", Context(answers={}, current="a b c d")) is False


def test_a_choice_filter_sees_the_choice_columns() -> None:
    context = Context(answers={"district": "east"}, choice={"district": "east"})
    assert evaluate("district = ${district}", context) is True


def test_references_are_listed() -> None:
    assert parse("${a} > 1 and selected(${b}, 'x')").references == {"a", "b"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1 +", "expected a value at character 4"),
        ("eval('x')", "the function eval() at character 1 is not supported"),
        ("${age", "cannot read"),
        ("(1", "expected ')'"),
        ("1 2", "unexpected text at character 3"),
        ("selected(${a})", "takes 2 argument(s), not 1"),
        ("__import__('os')", "not supported"),
        ("../name", "cannot read"),
        ("", "empty"),
    ],
)
def test_bad_expressions_are_refused_with_the_place(text: str, words: str) -> None:
    with pytest.raises(ExpressionError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 500 + "1" + ")" * 500)


@st.composite
def arithmetic(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return str(draw(st.integers(min_value=0, max_value=1000)))
    operator = draw(st.sampled_from(["+", "-", "*"]))
    left = draw(arithmetic(depth + 1))
    right = draw(arithmetic(depth + 1))
    if draw(st.booleans()):
        return f"({left} {operator} {right})"
    return f"{left} {operator} {right}"


@given(arithmetic())
def test_arithmetic_agrees_with_python(expression: str) -> None:
    # The oracle is Python's own arithmetic on the same text (same precedence for + - *).
    expected = eval(expression, {"__builtins__": {}})  # noqa: S307 - integers and + - * only
    assert evaluate(expression, Context(answers={})) == float(expected)


@given(st.integers(-10_000, 10_000), st.integers(-10_000, 10_000))
def test_division_and_modulo_agree_with_python(a: int, b: int) -> None:
    assume(b != 0)
    context = Context(answers={"a": str(a), "b": str(b)})
    assert evaluate("${a} div ${b}", context) == pytest.approx(a / b)
    assert evaluate("${a} mod ${b}", context) == math.fmod(a, b)


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_comparisons_agree_with_python(a: int, b: int) -> None:
    context = Context(answers={"a": str(a), "b": str(b)})
    assert evaluate("${a} < ${b}", context) is (a < b)
    assert evaluate("${a} >= ${b} and not(${a} = ${b})", context) is (a > b)
    assert evaluate("${a} != ${b} or ${a} <= ${b}", context) is (a != b or a <= b)


@given(st.text(max_size=80))
def test_parsing_any_text_gives_a_tree_or_a_clear_error(text: str) -> None:
    problems: list[str] = []
    try:
        expression = parse(text)
        evaluate(expression, Context(answers={}))
    except ExpressionError as error:
        problems.append(str(error))
    # A refusal is a sentence; anything else (a crash) would have failed the test already.
    assert all(problem.strip() for problem in problems)


@given(st.text(alphabet="${}()'.=<>!+-*, andormvdiseltc0123456789xyz", max_size=60))
def test_parsing_expression_like_text_never_crashes(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        parse(text)
