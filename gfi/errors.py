# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error hierarchy of gfi, shared by every layer (house style rule 7).

Concrete errors also inherit the matching builtin, so callers may catch either
``GfiError`` (everything gfi raises on purpose) or e.g. ``ValueError``.
"""

from __future__ import annotations


class GfiError(Exception):
    """Root of every error gfi raises on purpose."""


# ---------------------------------------------------------------------------
# Codec errors: bad bytes or bad structures
# ---------------------------------------------------------------------------
class CodecError(GfiError, ValueError):
    """Bytes (or a structure) that do not follow the wire format.

    ``path`` names the field (``"grouping_header -> other_information"``) and
    ``offset`` the byte offset within the input where decoding stopped, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, offset: int | None = None):
        self.message = message
        self.path = path
        self.offset = offset
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(f"field {self.path}")
        if self.offset is not None:
            where.append(f"byte offset {self.offset}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def within(self, prefix: str, base_offset: int = 0) -> CodecError:
        """The same error seen from an enclosing structure."""
        path = f"{prefix} -> {self.path}" if self.path else prefix
        offset = None if self.offset is None else self.offset + base_offset
        return type(self)(self.message, path=path, offset=offset)


class DecodeError(CodecError):
    """Input bytes could not be decoded."""


class EncodeError(CodecError):
    """A structure could not be encoded to bytes."""


# ---------------------------------------------------------------------------
# Security errors
# ---------------------------------------------------------------------------
class SecurityError(GfiError):
    """A cryptographic operation could not be carried out."""


class KeyNotFound(SecurityError, LookupError):
    """The key store holds no key for an entity and usage."""

    def __init__(self, entity: str, usage: str, *, private: bool = False, detail: str = ""):
        self.entity = entity
        self.usage = usage
        self.private = private
        kind = "private key" if private else "public key/certificate"
        msg = f"no {usage} {kind} for entity {entity}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


class KeyStoreError(SecurityError, ValueError):
    """A key file or key store document could not be loaded."""


# ---------------------------------------------------------------------------
# Protocol errors (h11 style): who broke the rules
# ---------------------------------------------------------------------------
class ProtocolError(GfiError):
    """A protocol rule was broken."""


class LocalProtocolError(ProtocolError, RuntimeError):
    """Our own script or caller asked for something illegal."""


class RemoteProtocolError(ProtocolError, ValueError):
    """The device under test (or peer) sent something illegal."""


# ---------------------------------------------------------------------------
# Radio and use-case errors
# ---------------------------------------------------------------------------
class RadioError(GfiError, OSError):
    """The radio failed."""


class RadioSpecError(RadioError, ValueError):
    """A radio spec string could not be understood."""


class RadioLost(RadioError, ConnectionError):
    """The radio went away."""


class UseCaseFailure(GfiError, AssertionError):
    """A Use Case's expectation was not met."""


class UsageError(GfiError, ValueError):
    """A user-supplied argument or input document is wrong."""
