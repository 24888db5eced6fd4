"""Declarative constraints on parameters, checked in one place before any work starts.

As scikit-learn's ``_parameter_constraints``: a model lists, for each parameter, the kinds of
value it accepts (:class:`Interval`, :class:`Options`, ``"callable"``, ``"boolean"``,
``"iterable"``, ``str`` or ``None``), and :func:`validate` checks them all with one message
format. A value of the wrong type raises :class:`InvalidParameterError` as a TypeError, one
out of range as a ValueError (it is both).
"""
from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, overload

import numpy as np

#: What a parameter's list of constraints holds (see the module docstring).
Constraint = Union["Interval", "Options", Literal["callable", "boolean", "iterable"], type, None]


class InvalidParameterError(ValueError, TypeError):
    """A parameter has a value its constraints refuse (both a ValueError and a TypeError)."""


class Interval:
    """Numbers of one kind between two bounds.

    Parameters
    ----------
    kind : {numbers.Integral, numbers.Real}
        Integral accepts Python and numpy integers (not bool, not floats such as 2.0);
        Real accepts any finite real number, integers included.
    low, high : number or None
        The bounds; None leaves that side open.
    closed : {"both", "left", "right", "neither"}
        Which bounds belong to the interval.
    """

    def __init__(self, kind: type[numbers.Integral] | type[numbers.Real], low: float | None,
                 high: float | None,
                 closed: Literal["both", "left", "right", "neither"] = "both") -> None:
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def accepts_type(self, value: object) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        if self.kind is numbers.Integral:
            return isinstance(value, (numbers.Integral, np.integer))
        return isinstance(value, (numbers.Real, np.floating, np.integer))

    def __contains__(self, value: Any) -> bool:
        if self.kind is numbers.Real and not math.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a finite number"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        if self.low is None and self.high is None:
            return kind
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return "%s in %s%s, %s%s" % (kind, left, low, high, right)


class Options:
    """One of a set of str or int values (``True`` matches 1; floats never match)."""

    def __init__(self, *values: str | int) -> None:
        self.values = values

    def __str__(self) -> str:
        return "one of %s" % ", ".join(repr(v) for v in self.values)


def _matches(constraint: Constraint, value: Any) -> tuple[bool, bool]:
    """``(type_ok, value_ok)`` of ``value`` under one constraint."""
    if constraint is None:
        return value is None, value is None
    if constraint == "callable":
        return callable(value), callable(value)
    if constraint == "boolean":
        ok = isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer))
                                                     and value in (0, 1))
        return ok, ok
    if constraint == "iterable":
        ok = not isinstance(value, (str, bytes)) and hasattr(value, "__iter__")
        return ok, ok
    if constraint is str:
        return isinstance(value, str), isinstance(value, str)
    if isinstance(constraint, Options):
        ok = (isinstance(value, (str, numbers.Integral, np.integer, np.bool_))
              and any(value == option for option in constraint.values))
        return ok, ok
    assert isinstance(constraint, Interval), constraint
    type_ok = constraint.accepts_type(value)
    return type_ok, type_ok and value in constraint


def _describe(constraint: Constraint) -> str:
    if constraint is None:
        return "None"
    if constraint is str:
        return "a str"
    if constraint == "boolean":
        return "a bool"
    if constraint == "iterable":
        return "an iterable"
    return str(constraint)


def validate(constraints: Mapping[str, Sequence[Constraint]], params: Mapping[str, Any],
             owner: str) -> None:
    """Check ``params`` (name -> value) against ``constraints`` (name -> list of constraints).

    Raises
    ------
    InvalidParameterError
        Naming the first parameter that no constraint accepts, what it accepts and the value.
    """
    for name, value in params.items():
        accepted = constraints[name]
        results = [_matches(constraint, value) for constraint in accepted]
        if any(value_ok for _, value_ok in results):
            continue
        expected = " or ".join(_describe(c) for c in accepted)
        raise InvalidParameterError("%s: %s must be %s, got %r" % (owner, name, expected, value))


def check_learning_rates(start: float, end: float, owner: str, start_name: str = "alpha",
                         end_name: str = "min_alpha") -> None:
    """Learning rates must be finite with ``0 < start`` and ``0 <= end <= start``."""
    validate({start_name: [Interval(numbers.Real, 0, None, closed="neither")],
              end_name: [Interval(numbers.Real, 0, None, closed="left")]},
             {start_name: start, end_name: end}, owner)
    if end > start:
        raise InvalidParameterError("%s: %s=%r exceeds %s=%r: the learning rate decays from %s to %s"
                                    % (owner, end_name, end, start_name, start, start_name,
                                       end_name))


@overload
def check_count(value: None, name: str) -> None: ...


@overload
def check_count(value: int | np.integer, name: str) -> int: ...


@overload
def check_count(value: object, name: str) -> int | None: ...


def check_count(value: object, name: str) -> int | None:
    """``value`` as an int >= 0, or None; TypeError or ValueError naming ``name`` otherwise
    (query arguments such as ``topn`` and ``restrict_vocab``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be a non-negative int or None, got %s (%s)"
                        % (name, reprlib.repr(value), type(value).__name__))
    if value < 0:
        raise ValueError("%s must be a non-negative int or None, got %d" % (name, value))
    return int(value)
