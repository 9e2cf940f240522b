# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors of the Use Case library (house style rule 7: every one is a :class:`gfi.errors.GfiError`,
here through :class:`~gfi.errors.UsageError`, so callers may also catch ``ValueError``)."""

from __future__ import annotations

from gfi.errors import UsageError


class LibraryError(UsageError):
    """A request the Use Case library cannot satisfy."""


class UnknownUseCase(LibraryError, LookupError):
    """No use case has that id or message code."""


class UnknownVariant(LibraryError, LookupError):
    """The use case has no variant of that name."""


class NotBuildable(LibraryError):
    """The entry has no command payload to build (alert-only, or ``buildable`` is false)."""


class ParameterError(LibraryError):
    """A parameter override is wrong: ``parameter`` names it, ``expected`` says what it takes."""

    def __init__(self, parameter: str, expected: str, detail: str) -> None:
        self.parameter = parameter
        self.expected = expected
        super().__init__(f"parameter {parameter!r} (expects {expected}): {detail}")


class UnknownParameter(ParameterError, LookupError):
    """An override names no parameter of the variant; the message lists the valid ones."""

    def __init__(self, parameter: str, valid: list[str]) -> None:
        self.valid = tuple(valid)
        super().__init__(parameter, "one of the variant's parameters",
                         "no such parameter; valid: " + ", ".join(valid))
