"""Derived-indicator expressions: a small, safe arithmetic language over field ids.

`CP_REPEAT / CP_START * 100` is parsed once, then evaluated at collation, turned
into an Excel formula for the template, and recognised as a ratio so that the
master workbook can give it a confidence interval.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Callable

ALLOWED_OPERATORS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class ExpressionError(ValueError):
    """An expression that is not plain arithmetic over field ids."""


@dataclass(frozen=True)
class Ratio:
    numerator: str
    denominator: str
    multiplier: float


@dataclass(frozen=True, eq=False)
class Expression:
    text: str
    tree: ast.expr

    @cached_property
    def names(self) -> list[str]:
        return sorted({n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)})

    @cached_property
    def ratio(self) -> Ratio | None:
        """The numerator, denominator and multiplier when the expression is `A / B * k`."""
        return _match_ratio(self.tree)

    @cached_property
    def _compiled(self) -> Callable[[dict[str, float | None]], float]:
        return _compile(self.tree)

    def __getstate__(self) -> dict:
        """Without the compiled functions, which cannot be pickled: a spec is sent to the process that checks a
        large intake, and the expression is compiled again there when first evaluated."""
        return {k: v for k, v in self.__dict__.items() if k != "_compiled"}

    def evaluate(self, values: dict[str, float | None]) -> float | None:
        """The value, or None when an input is missing or a denominator is zero."""
        try:
            return self._compiled(values)
        except (_Missing, ZeroDivisionError):
            return None

    def to_excel(self, cell_of: Callable[[str], str]) -> str:
        """An Excel formula that stays blank until every input is filled and no divisor is zero."""
        body = _to_excel(self.tree, cell_of)
        guards = [f'{cell_of(n)}=""' for n in self.names] + [
            f"{_to_excel(d, cell_of)}=0" for d in _divisors(self.tree)
        ]
        return f'=IF(OR({",".join(guards)}),"",{body})'


class _Missing(Exception):
    pass


def parse_expression(text: str) -> Expression:
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"'{text}' is not a valid expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, (ast.BinOp, ast.Name, ast.Constant, ast.Load, ast.UnaryOp, ast.USub,
                                 *ALLOWED_OPERATORS)):
            raise ExpressionError(
                f"'{text}' uses {type(node).__name__}; only + - * / numbers and field ids are allowed"
            )
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ExpressionError(f"'{text}' contains {node.value!r}; only numbers are allowed")
    return Expression(text=text, tree=tree)


def _compile(node: ast.expr) -> Callable[[dict[str, float | None]], float]:
    """The tree as nested functions, each node's work decided once: every derived figure of every return is
    worked out, and walking the tree each time cost more than the arithmetic. An input missing (None) raises
    `_Missing`, and a zero divisor ZeroDivisionError: `evaluate` makes either no figure."""
    if isinstance(node, ast.Constant):
        constant = float(node.value)
        return lambda values: constant
    if isinstance(node, ast.Name):
        return partial(_named, node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        return lambda values: -operand(values)
    left, right = _compile(node.left), _compile(node.right)
    op = _OPERATIONS.get(type(node.op), operator.truediv)
    return lambda values: op(left(values), right(values))


_OPERATIONS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _named(name: str, values: dict[str, float | None]) -> float:
    value = values.get(name)
    if value is None:
        raise _Missing(name)
    return float(value)


def _to_excel(node: ast.expr, cell_of: Callable[[str], str]) -> str:
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name):
        return cell_of(node.id)
    if isinstance(node, ast.UnaryOp):
        return f"(-{_to_excel(node.operand, cell_of)})"
    symbol = ALLOWED_OPERATORS[type(node.op)]
    return f"({_to_excel(node.left, cell_of)}{symbol}{_to_excel(node.right, cell_of)})"


def _divisors(node: ast.expr) -> list[ast.expr]:
    return [n.right for n in ast.walk(node) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)]


def _match_ratio(node: ast.expr) -> Ratio | None:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return None
    for division, factor in ((node.left, node.right), (node.right, node.left)):
        if (
            isinstance(factor, ast.Constant)
            and isinstance(division, ast.BinOp)
            and isinstance(division.op, ast.Div)
            and isinstance(division.left, ast.Name)
            and isinstance(division.right, ast.Name)
        ):
            return Ratio(division.left.id, division.right.id, float(factor.value))
    return None
