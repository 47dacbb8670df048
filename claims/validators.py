"""Model-field validators over the pure checks in claims/typed.py."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from claims import typed


@deconstructible
class TypedText:
    """Refuses control characters; with `one_line`, line breaks and tabs too."""

    def __init__(self, *, one_line: bool) -> None:
        self.one_line = one_line

    def __call__(self, value: str) -> None:
        check = typed.one_line_problem if self.one_line else typed.control_problem
        if problem := check(value):
            raise ValidationError(problem, code="typed_text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypedText) and other.one_line == self.one_line


one_line = TypedText(one_line=True)
multi_line = TypedText(one_line=False)


# SQLite stores decimals as 64-bit floats, which hold any number of up to 15
# significant digits exactly and silently round longer ones (123456789012345678.123456
# came back as 123456789012346000). One limit for both databases keeps values exact.
MAX_SIGNIFICANT_DIGITS = 15


def exact_decimal(value: Decimal) -> None:
    """Refuses a number with more significant digits than both databases keep exactly."""
    if not value.is_finite():
        raise ValidationError("Enter a finite number.", code="not_finite")
    digits = value.normalize().as_tuple().digits
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValidationError(
            f"Use at most {MAX_SIGNIFICANT_DIGITS} significant digits "
            f"(this has {len(digits)}): longer numbers cannot be stored exactly.",
            code="too_many_digits",
        )
