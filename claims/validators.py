"""Model-field validators over the pure checks in claims/typed.py."""

from __future__ import annotations

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
