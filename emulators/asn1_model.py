# SPDX-License-Identifier: GPL-3.0-or-later
"""The ASN.1 use cases every Type 1 device answers itself (gbcs-protocol.md §2.4): joining
and unjoining other devices (CS03, CS04), reading the join details (CS07), firmware
activation (CS06, immediate or future-dated), firmware version (CS08) and providing its
certificates (CS02e). Sans-I/O, state as a JSON document.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from cryptography.hazmat.primitives import serialization

from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.model import FutureDatedExecution, HandleContext, HandleResult

logger = logging.getLogger(__name__)

CS06_ACTIVATE_FIRMWARE = 0x0012
CS06_ALERT = 0x00CA
GENERALIZED_TIME = "%Y%m%d%H%M%SZ"
#: Key usage bits of CS02e (gbcs-protocol.md §2.4): digitalSignature, keyAgreement.
KEY_USAGE_DS = "digitalSignature"
KEY_USAGE_KA = "keyAgreement"


def generalized_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime(GENERALIZED_TIME)


class Asn1Model:
    """ASN.1 use cases of one device (see the module docstring)."""

    def __init__(self, identity: DeviceIdentity, *, firmware_version: str = "0123ABCD",
                 state: dict[str, Any] | None = None) -> None:
        self.identity = identity
        state = state or {}
        self.firmware_version: str = state.get("firmware_version", firmware_version)
        #: The image distributed to the device and waiting for activation: hash → version.
        self.images: dict[str, str] = dict(state.get("images", {}))
        #: Devices joined to this one: entity id → device type (CS03/CS04/CS07).
        self.joined: dict[str, int] = dict(state.get("joined", {}))
        #: Future-dated activations: [execution time, hash, counter].
        self.pending: list[list[Any]] = [list(p) for p in state.get("pending", [])]

    def state(self) -> dict[str, Any]:
        return {"firmware_version": self.firmware_version, "images": dict(self.images),
                "joined": dict(self.joined), "pending": [list(p) for p in self.pending]}

    def distribute_image(self, manufacturer_image_hash: str, version: str) -> None:
        """An image arrived (by OTA); CS06 may activate it."""
        self.images[manufacturer_image_hash.upper()] = version

    # -- handling ---------------------------------------------------------------------------
    def handle(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        schema = str(request.get("schema", ""))
        name = schema.split(".")[0]
        handler = getattr(self, f"on_{name.lower()}", None)
        if handler is None or not schema.endswith(".command"):
            return HandleResult({"schema": "CS04AC.response", "response_code": 2},
                                changes=[f"{schema or 'payload'} not handled: other failure"])
        result: HandleResult = handler(request, ctx)
        return result

    def _join_response(self, name: str, code: int, change: str) -> HandleResult:
        return HandleResult({"schema": f"{name}.response", "response_code": code}, [change])

    def on_cs03a1(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03A1")

    def on_cs03a2(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03A2")

    def on_cs03b(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03B")

    def on_cs03c(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03C")

    def _join(self, request: dict[str, Any], name: str) -> HandleResult:
        other = str(request["other_entity_id"]).upper()
        device_type = int(request["other_device_type"])
        if self.joined.get(other, device_type) != device_type:
            return self._join_response(name, 3, f"{other} already joined as another type")
        self.joined[other] = device_type
        return self._join_response(name, 0, f"joined {other} (device type {device_type})")

    def on_cs04ac(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._unjoin(request, "CS04AC")

    def on_cs04b(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._unjoin(request, "CS04B")

    def _unjoin(self, request: dict[str, Any], name: str) -> HandleResult:
        other = str(request["other_entity_id"]).upper()
        if self.joined.pop(other, None) is None:
            return self._join_response(name, 1, f"{other} is not in the device log")
        return self._join_response(name, 0, f"unjoined {other}")

    def on_cs07(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        entries = [{"device_id": eui, "device_type": t} for eui, t in sorted(self.joined.items())]
        return HandleResult({"schema": "CS07.response", "response_code": 0,
                             "device_log_entries": entries}, [f"{len(entries)} join entries"])

    def on_cs08(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return HandleResult({"schema": "CS08.response", "firmware_version": self.firmware_version,
                             "response_code": 0}, ["firmware version read"])

    def on_cs02e(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        usage = request.get("key_usage") or []
        cert = (self.identity.ds_certificate if KEY_USAGE_DS in usage
                else self.identity.ka_certificate if KEY_USAGE_KA in usage else None)
        if cert is None:
            return HandleResult({"schema": "CS02e.response.error", "response_code": 1},
                                ["invalid key usage"])
        der = cert.public_bytes(serialization.Encoding.DER)
        return HandleResult({"schema": "CS02e.response.certificate",
                             "certificate": der.hex().upper()}, ["certificate provided"])

    def on_cs06(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        image_hash = str(request["manufacturer_image_hash"]).upper()
        when = request.get("execution_date_time")
        if when is not None:
            due = dt.datetime.strptime(when, GENERALIZED_TIME).replace(tzinfo=dt.UTC)
            self.pending.append([when, image_hash, int(request["originator_counter"]),
                                 ctx.message_code])
            return HandleResult({"schema": "CS06.response.accepted"},
                                [f"firmware activation scheduled for {due.isoformat()}"])
        return HandleResult(self._activate(image_hash), [f"firmware activation: {image_hash}"])

    def _activate(self, image_hash: str) -> dict[str, Any]:
        if not self.images:
            return {"schema": "CS06.response.outcome", "response_code": 1,
                    "firmware_version": self.firmware_version}
        version = self.images.get(image_hash)
        if version is None:
            return {"schema": "CS06.response.outcome", "response_code": 2,
                    "firmware_version": self.firmware_version}
        self.firmware_version = version
        del self.images[image_hash]
        return {"schema": "CS06.response.outcome", "response_code": 0,
                "firmware_version": self.firmware_version}

    def tick(self, now: dt.datetime) -> list[FutureDatedExecution]:
        due = [p for p in self.pending
               if dt.datetime.strptime(p[0], GENERALIZED_TIME).replace(tzinfo=dt.UTC) <= now]
        out = []
        for when, image_hash, counter, code in due:
            self.pending.remove([when, image_hash, counter, code])
            outcome = self._activate(image_hash)
            out.append(FutureDatedExecution(
                message_code=code, originator_counter=counter,
                success=outcome["response_code"] == 0,
                target={"schema": "CS06.alert", "execution_date_time": when,
                        "outcome": {k: v for k, v in outcome.items() if k != "schema"}},
                executed_at=now))
        return out
