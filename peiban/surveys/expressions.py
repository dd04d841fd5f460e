"""The XLSForm expression subset that needs surveys use, evaluated safely on the server.

A hand-written tokenizer and recursive-descent parser turn an expression such as
``${age} >= 60 and selected(${needs}, 'elderly')`` into a small tree; evaluating the tree never
calls Python's ``eval`` and can only do what the grammar allows. The same evaluator decides what
the web form shows (``relevant``), what it accepts (``constraint``, ``required``), what it computes
(``calculate``) and which choices it offers (``choice_filter``), and checks imported responses.

Values follow XPath 1.0 as ODK and KoboToolbox do: an answer is the text stored in the form
(``''`` when blank, ``'a b'`` for a multiple choice), numbers are floats, comparisons with a number
compare numbers (a blank or non-numeric text is NaN, so ``${age} > 10`` is false when age is blank),
other comparisons compare text, ``div`` is true division (``1 div 0`` is infinity) and ``mod`` keeps
the sign of the dividend.

Grammar, loosest first::

    or      := and ('or' and)*
    and     := compare ('and' compare)*
    compare := relation (('=' | '!=') relation)*
    relation:= additive (('<' | '<=' | '>' | '>=') additive)*
    additive:= multiply (('+' | '-') multiply)*
    multiply:= unary (('*' | 'div' | 'mod') unary)*
    unary   := '-' unary | primary
    primary := number | string | '${' name '}' | '.' | name '(' args ')' | name | '(' or ')'

A bare ``name`` is a column of the choices sheet (only meaningful in a ``choice_filter``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = [
    "FUNCTIONS",
    "Context",
    "Expression",
    "ExpressionError",
    "Value",
    "as_boolean",
    "as_number",
    "as_text",
    "evaluate",
    "parse",
]

Value = str | float | bool


class ExpressionError(ValueError):
    """An expression that cannot be read or evaluated; the message says where and why."""


# --- Tokens ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.-]*)\s*\})
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<dot>\.(?!\.))
  | (?P<name>[A-Za-z_][\w-]*(?:\(\))?)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "ref", "number", "string", "op", "dot", "name", "end"
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(
                f"cannot read {text[position : position + 10]!r} at character {position + 1}"
            )
        kind = match.lastgroup or ""
        if kind == "refname":  # the inner group of a reference
            kind = "ref"
        if kind == "ref":
            tokens.append(Token("ref", match["refname"], position))
        elif kind == "name" and match.group().endswith("()"):
            # `true()` is read as a name and an empty argument list
            name = match.group()[:-2]
            tokens.extend(
                [
                    Token("name", name, position),
                    Token("op", "(", position + len(name)),
                    Token("op", ")", position + len(name) + 1),
                ]
            )
        elif kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- Tree --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Value


@dataclass(frozen=True)
class Reference:
    name: str


@dataclass(frozen=True)
class Current:
    pass


@dataclass(frozen=True)
class ChoiceColumn:
    name: str


@dataclass(frozen=True)
class Unary:
    operand: Node


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[Node, ...]


Node = Literal | Reference | Current | ChoiceColumn | Unary | Binary | Call


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text, its tree, and the questions it refers to."""

    source: str
    tree: Node

    @property
    def references(self) -> frozenset[str]:
        found: set[str] = set()

        def walk(node: Node) -> None:
            match node:
                case Reference(name=name):
                    found.add(name)
                case Unary(operand=operand):
                    walk(operand)
                case Binary(left=left, right=right):
                    walk(left)
                    walk(right)
                case Call(arguments=arguments):
                    for argument in arguments:
                        walk(argument)

        walk(self.tree)
        return frozenset(found)


# --- Parser ------------------------------------------------------------------------------------

_LEVELS: tuple[tuple[str, ...], ...] = (
    ("or",),
    ("and",),
    ("=", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "div", "mod"),
)
MAX_LENGTH = 2000
MAX_DEPTH = 60


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def operator(self, token: Token) -> str | None:
        if token.kind == "op":
            return token.text
        if token.kind == "name" and token.text in ("or", "and", "div", "mod"):
            return token.text
        return None

    def fail(self, what: str) -> ExpressionError:
        token = self.token
        found = f"{token.text!r}" if token.kind != "end" else "the end"
        return ExpressionError(f"{what} at character {token.position + 1}, found {found}")

    def expect(self, text: str) -> None:
        if self.token.kind != "op" or self.token.text != text:
            raise self.fail(f"expected {text!r}")
        self.index += 1

    def parse(self) -> Node:
        node = self.level(0)
        if self.token.kind != "end":
            raise self.fail("unexpected text")
        return node

    def level(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply")
        node = self.level(level + 1)
        while (operator := self.operator(self.token)) in _LEVELS[level]:
            self.index += 1
            node = Binary(operator or "", node, self.level(level + 1))
        self.depth -= 1
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.index += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("the expression is nested too deeply")
            node = Unary(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return Literal(float(token.text))
        if token.kind == "string":
            self.index += 1
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            self.index += 1
            return Reference(token.text)
        if token.kind == "dot":
            self.index += 1
            return Current()
        if token.kind == "op" and token.text == "(":
            self.index += 1
            node = self.level(0)
            self.expect(")")
            return node
        if token.kind == "name" and self.operator(token) is None:
            self.index += 1
            following = self.token
            if following.kind == "op" and following.text == "(":
                return self.call(token)
            return ChoiceColumn(token.text)
        raise self.fail("expected a value")

    def call(self, name: Token) -> Node:
        spec = FUNCTIONS.get(name.text)
        if spec is None:
            raise ExpressionError(
                f"the function {name.text}() at character {name.position + 1} is not supported"
            )
        self.expect("(")
        arguments: list[Node] = []
        if not (self.token.kind == "op" and self.token.text == ")"):
            arguments.append(self.level(0))
            while self.token.kind == "op" and self.token.text == ",":
                self.index += 1
                arguments.append(self.level(0))
        self.expect(")")
        low, high = spec.arity
        if not low <= len(arguments) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise ExpressionError(
                f"{name.text}() takes {wanted} argument(s), not {len(arguments)}, "
                f"at character {name.position + 1}"
            )
        return Call(name.text, tuple(arguments))


@lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """Parse an expression or raise ExpressionError with the character where it went wrong.

    Parsed expressions are immutable and cached: a form's few expressions are parsed once."""
    if not isinstance(text, str):
        raise ExpressionError("an expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    return Expression(text, _Parser(text).parse())


# --- Values ------------------------------------------------------------------------------------


def as_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    text = value.strip()
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        return math.nan
    return float(text)


def as_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return value


def as_boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


# --- Evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What an expression can see: the answers (as form text), the current value (`.`),
    the current choice's columns (in a choice filter) and today's date."""

    answers: Mapping[str, str]
    current: str = ""
    choice: Mapping[str, str] | None = None
    today: date | None = None


@dataclass(frozen=True)
class Function:
    arity: tuple[int, int]
    run: Callable[[Sequence[Value], Context], Value]


def _selected(args: Sequence[Value], _context: Context) -> Value:
    return as_text(args[1]).strip() in as_text(args[0]).split()


def _if(args: Sequence[Value], _context: Context) -> Value:
    return args[1] if as_boolean(args[0]) else args[2]


def _round(args: Sequence[Value], _context: Context) -> Value:
    number = as_number(args[0])
    digits = as_number(args[1]) if len(args) > 1 else 0.0
    if math.isnan(number) or math.isinf(number) or math.isnan(digits) or math.isinf(digits):
        return number
    places = max(-15, min(15, int(digits)))
    factor = 10.0**places
    return math.floor(number * factor + 0.5) / factor  # XPath rounds half up


def _int(args: Sequence[Value], _context: Context) -> Value:
    number = as_number(args[0])
    if math.isnan(number) or math.isinf(number):
        return number
    return float(math.trunc(number))


def _coalesce(args: Sequence[Value], _context: Context) -> Value:
    first = as_text(args[0])
    return args[0] if first != "" else args[1]


def _today(_args: Sequence[Value], context: Context) -> Value:
    return (context.today or date.today()).isoformat()


FUNCTIONS: dict[str, Function] = {
    "selected": Function((2, 2), _selected),
    "count-selected": Function((1, 1), lambda a, _c: float(len(as_text(a[0]).split()))),
    "string-length": Function((1, 1), lambda a, _c: float(len(as_text(a[0])))),
    "not": Function((1, 1), lambda a, _c: not as_boolean(a[0])),
    "true": Function((0, 0), lambda _a, _c: True),
    "false": Function((0, 0), lambda _a, _c: False),
    "if": Function((3, 3), _if),
    "concat": Function((1, 20), lambda a, _c: "".join(as_text(v) for v in a)),
    "number": Function((1, 1), lambda a, _c: as_number(a[0])),
    "string": Function((1, 1), lambda a, _c: as_text(a[0])),
    "int": Function((1, 1), _int),
    "round": Function((1, 2), _round),
    "coalesce": Function((2, 2), _coalesce),
    "today": Function((0, 0), _today),
}


def _compare(operator: str, left: Value, right: Value) -> bool:
    if operator in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = as_boolean(left) == as_boolean(right)
        elif isinstance(left, float) or isinstance(right, float):
            equal = as_number(left) == as_number(right)
        else:
            equal = left == right
        return equal if operator == "=" else not equal
    a, b = as_number(left), as_number(right)
    if isinstance(left, str) and isinstance(right, str) and (math.isnan(a) or math.isnan(b)):
        # Dates and other text compare as text (ISO dates sort correctly), as ODK does.
        if left == "" or right == "":
            return False
        ordered = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}
        return ordered[operator]
    match operator:
        case "<":
            return a < b
        case "<=":
            return a <= b
        case ">":
            return a > b
        case _:
            return a >= b


def _arithmetic(operator: str, left: float, right: float) -> float:
    match operator:
        case "+":
            return left + right
        case "-":
            return left - right
        case "*":
            return left * right
        case "div":
            if right == 0:
                if left == 0 or math.isnan(left):
                    return math.nan
                return math.copysign(math.inf, left) * math.copysign(1.0, right)
            return left / right
        case _:  # mod
            if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
                return math.nan
            return math.fmod(left, right)


def _evaluate(node: Node, context: Context) -> Value:
    match node:
        case Literal(value=value):
            return value
        case Reference(name=name):
            return context.answers.get(name, "")
        case Current():
            return context.current
        case ChoiceColumn(name=name):
            if context.choice is None:
                raise ExpressionError(f"{name!r} is not a question; write ${{{name}}}")
            return context.choice.get(name, "")
        case Unary(operand=operand):
            return -as_number(_evaluate(operand, context))
        case Binary(operator="or", left=left, right=right):
            return as_boolean(_evaluate(left, context)) or as_boolean(_evaluate(right, context))
        case Binary(operator="and", left=left, right=right):
            return as_boolean(_evaluate(left, context)) and as_boolean(_evaluate(right, context))
        case Binary(operator=operator, left=left, right=right) if operator in (
            "=",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
        ):
            return _compare(operator, _evaluate(left, context), _evaluate(right, context))
        case Binary(operator=operator, left=left, right=right):
            return _arithmetic(
                operator,
                as_number(_evaluate(left, context)),
                as_number(_evaluate(right, context)),
            )
        case Call(function=function, arguments=arguments):
            values = [_evaluate(argument, context) for argument in arguments]
            return FUNCTIONS[function].run(values, context)
    raise ExpressionError("unknown expression")  # pragma: no cover


def evaluate(expression: Expression | str, context: Context) -> Value:
    """The value of an expression in a context (parse it first if given as text)."""
    parsed = parse(expression) if isinstance(expression, str) else expression
    return _evaluate(parsed.tree, context)
