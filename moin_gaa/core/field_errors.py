"""One exception for form-like input: every problem at once, per field, in German."""

from __future__ import annotations

from typing import Mapping


class FieldErrors(ValueError):
    """``errors`` maps field names (``titel``, nested ones like ``kontakte.0.email``) to German messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
