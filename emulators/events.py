# SPDX-License-Identifier: GPL-3.0-or-later
"""Device events that raise GBCS alerts (gbcs-protocol.md §4): what happens to a device
besides the commands it gets, and the alert each event raises.

* **Time**: when the premises' time moves on, a device runs what is due (future-dated
  commands, :meth:`GbcsDevice.tick`) *and* asks its alert sources
  (:attr:`GbcsDevice.sources`) for the alerts of its own events: the ESME's billing
  calendar (:class:`BillingPush`, ECS68 0x0061, 8F0A, the billing data log encrypted for
  the supplier), the GSME's billing period end and pushed events (:func:`gbz_event_alerts`,
  GCS53 0x008B and generic 0x1001).
* **Mains** (:class:`SupplyOutage`): an ESME that loses its supply and gets it back after
  at least three minutes raises ECS80 0x0067 (8F36).
* **Firmware distribution** over ZigBee OTA Upgrade (cluster 0x0019, ZCL 07-5123 ch. 11;
  product.md §4.2): the DCC hands the Comms Hub an image for a device
  (:meth:`OtaServer.offer`), the hub tells the device (Image Notify), the device downloads
  it block by block (:class:`OtaClient`), checks it and reports its receipt with the
  calculated manufacturer image hash — 0x00CE (DLMS, ESME) or 0x00CF (GBZ, GSME), 8F72 when
  the image verifies, 8F1C when not; CS06 may then activate it by that hash. The hub reports
  every finished transfer to the party that asked for it: CCS08 0x0128 (8F8A success, 8F89
  failure).
* **Comms Hub logs**: the GPF's device log changing (GCS62 0x00B2, 8071) and the CHF's
  sub-GHz configuration changing (DBCH09 0x0113, 8F2A), as RTDS DBCH04 SUCCESS shows.

Payload layouts are those of gbcs-protocol.md §2.2-§2.4; where a layout's meaning is not
given there it says so (inferred).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import struct
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from gfi.codecs.dlms import encode_data
from gfi.codecs.gbcs.message import Cra, GbcsFrame, OtherInformation
from gfi.codecs.security.gbcs import encrypt_block
from gfi.emulators.asn1_model import generalized_time
from gfi.emulators.cosem import CosemServer
from gfi.emulators.cosem.values import calendar_matches, gbcs_seconds
from gfi.emulators.device import (
    GbcsDevice,
    Outgoing,
    dlms_stamp,
    gbz_time,
    notification,
)
from gfi.emulators.node import Event, Type1Node
from gfi.emulators.zcl_endpoint import TO_CLIENT, ZclCommand, ZclEndpoint
from gfi.emulators.zse import GbzServer
from gfi.radio.base import DeliveryFailed, HanFrame

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
ECS68, BILLING_DATA_LOG_UPDATED = 0x0061, 0x8F0A
ECS80, OUTAGE_RESTORED_3_MIN = 0x0067, 0x8F36
GCS62, GPF_DEVICE_LOG_CHANGED = 0x00B2, 0x8071
DBCH09, SUB_GHZ_CONFIGURATION_CHANGED = 0x0113, 0x8F2A
CCS08, TRANSFER_SUCCESS, TRANSFER_FAIL = 0x0128, 0x8F8A, 0x8F89
FDRA_DLMS, FDRA_GBZ = 0x00CE, 0x00CF
VERIFICATION_SUCCESSFUL, VERIFICATION_FAILED = 0x8F72, 0x8F1C
#: An outage at least this long is reported by ECS80 (8F36 "Outage >= 3 minutes").
LONG_OUTAGE = dt.timedelta(minutes=3)
#: The ESME's billing calendar and the billing data log it captures (cosem/esme.py).
BILLING_CALENDAR, BILLING_DATA_LOG = "0-0:15.0.0.255", "0-0:98.1.0.255"
SUB_GHZ_CONFIGURATION = "0-0:94.44.10.0"
#: How far back a billing calendar is searched when time jumps (as the GSME's metering).
MAX_LOOKBACK = dt.timedelta(days=400)

#: OTA Upgrade cluster and commands (ZCL 07-5123 §11.13).
OTA_UPGRADE = 0x0019
IMAGE_NOTIFY, QUERY_NEXT_IMAGE_REQUEST, QUERY_NEXT_IMAGE_RESPONSE = 0x00, 0x01, 0x02
IMAGE_BLOCK_REQUEST, IMAGE_BLOCK_RESPONSE = 0x03, 0x05
UPGRADE_END_REQUEST, UPGRADE_END_RESPONSE = 0x06, 0x07
#: OTA file header (ZCL §11.4.2): magic, version 0x0100, 56 bytes without optional fields.
OTA_MAGIC, OTA_HEADER_VERSION, OTA_HEADER_LENGTH = 0x0BEEF11E, 0x0100, 56
_OTA_HEADER = struct.Struct("<IHHHHHIH32sI")
#: Sub-element tag of the upgrade image (ZCL §11.4.3) and the block size a client asks for.
UPGRADE_IMAGE_TAG, BLOCK_SIZE = 0x0000, 48
#: The OTA identity of gfi's emulated devices: a manufacturer code and one image type per
#: kind of device (ZCL §11.4.2.6; gfi's own values).
MANUFACTURER_CODE = 0x1234
IMAGE_TYPES: Mapping[str, int] = {"ESME": 0x0001, "GSME": 0x0002, "PPMID": 0x0005}
#: Upgrade End Response upgrade time "wait for an upgrade command" (ZCL §11.13.9.3): a GBCS
#: device activates an image only when CS06 says so.
WAIT_FOR_UPGRADE_COMMAND = 0xFFFFFFFF



# ----------------------------------------------------------------------------
# Time
# ----------------------------------------------------------------------------



def _octets(value: str) -> dict[str, Any]:
    return {"type": "octet-string", "value": value}


class BillingPush:
    """The ESME's billing calendar (Single Action Schedule ``0-0:15.0.0.255``, attribute 4:
    execution times as (time, date) with wildcards): each time it fires the ESME pushes the
    billing data log entry of that moment to the supplier by ECS68 (0x0061, 8F0A), the
    entry encrypted as §2.2's "ECS68 alert form" (protection parameters, protected data)."""

    def __init__(self, cosem: CosemServer, checked: dt.datetime) -> None:
        self.cosem = cosem
        #: device time up to which the calendar has been looked at
        self.checked = checked

    def times(self, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """The calendar's execution times in (``after``, ``until``], in order."""
        entries = []
        for entry in self.cosem.value(BILLING_CALENDAR, 4).get("value", []):
            time_item, date_item = entry["value"]
            hour, minute, second = (0 if b == 0xFF else b
                                    for b in bytes.fromhex(time_item["value"])[:3])
            entries.append((dt.time(hour, minute, second), bytes.fromhex(date_item["value"])))
        out = []
        day = max(after, until - MAX_LOOKBACK).date()
        while day <= until.date():
            for at, date in entries:
                when = dt.datetime.combine(day, at, tzinfo=dt.UTC)
                if after < when <= until and calendar_matches(date, day):
                    out.append(when)
            day += dt.timedelta(days=1)
        return sorted(out)

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first execution time after ``moment`` (within a year)."""
        found = self.times(moment, moment + dt.timedelta(days=366))
        return found[0] if found else None

    def __call__(self, device: GbcsDevice, now: dt.datetime) -> list[Outgoing]:
        until = self.cosem.device_time(now)
        due, self.checked = self.times(self.checked, until), max(self.checked, until)
        return [alert for when in due if (alert := self.alert(device, when, now)) is not None]

    def alert(self, device: GbcsDevice, when: dt.datetime, now: dt.datetime,
              recipient: str | None = None) -> Outgoing | None:
        """ECS68 for the billing data log entry captured at or before ``when`` (device
        time)."""
        log = self.cosem.value(BILLING_DATA_LOG, 2, now)
        rows = [row for row in log.get("value", []) if row[0] <= gbcs_seconds(when)]
        if not rows:
            logger.info("%s: billing calendar fired at %s with an empty billing data log",
                        device.eui64, when.isoformat())
            return None
        recipient = recipient or device.alert_recipient
        counter = device.alert_counter + 1
        plaintext = encode_data({"type": "structure", "value": [{
            "type": "compact-array", "description": log["description"], "value": rows[-1:]}]})
        draft = GbcsFrame(Cra.ALERT, counter, device.eui64, recipient,
                          OtherInformation(ECS68), b"")
        ciphertext, tag = encrypt_block(draft, device.security, plaintext)
        parameters = {"type": "array", "value": [{"type": "structure", "value": [
            {"type": "enum", "value": 2}, {"type": "structure", "value": [
                _octets(f"04{counter:016X}"), _octets(device.eui64), _octets(recipient),
                _octets(""), {"type": "structure", "value": [
                    {"type": "enum", "value": 2},
                    {"type": "structure", "value": [_octets("02"), _octets("")]}]}]}]}]}
        sealed = "3100000000" + ciphertext.hex().upper() + tag.hex().upper()
        tree = notification(counter, [{"type": "long-unsigned",
                                       "value": BILLING_DATA_LOG_UPDATED},
                                      dlms_stamp(when), parameters, _octets(sealed)])
        return device.alert(ECS68, tree, now, recipient=recipient,
                            summary=f"ECS68 billing data log of {when.isoformat()}")

    def state(self) -> dict[str, Any]:
        return {"checked": self.checked.isoformat()}


def gbz_event_alerts(device: GbcsDevice, server: GbzServer, now: dt.datetime) -> list[Outgoing]:
    """The alerts a GSME's metering raised while time moved on (GbzServer.take_alerts):
    generic 0x1001 for events configured to push to the WAN, then GCS53 0x008B, whose
    billing snapshot is encrypted for the alert it travels in (the k-th GCS53 alert gets
    the k-th next alert counter)."""
    out = [device.alert(code, tree, now) for code, tree in server.take_alerts(None)]
    counter = device.alert_counter

    def encrypt(plaintext: bytes) -> tuple[bytes, bytes]:
        nonlocal counter
        counter += 1
        draft = GbcsFrame(Cra.ALERT, counter, device.eui64, device.alert_recipient,
                          OtherInformation(0x008B), b"")
        return encrypt_block(draft, device.security, plaintext)

    out += [device.alert(code, tree, now) for code, tree in server.take_alerts(encrypt)]
    return out


# ----------------------------------------------------------------------------
# Mains
# ----------------------------------------------------------------------------
class SupplyOutage:
    """An ESME's mains supply: lost at some moment, restored later. Restoration after at
    least :data:`LONG_OUTAGE` is reported by ECS80 (0x0067, 8F36) carrying, after the
    alert time, the moments the supply was lost and restored (the two date-times of
    §2.2; which is which is inferred). A shorter outage raises no alert."""

    def __init__(self, state: Mapping[str, Any] | None = None) -> None:
        lost = (state or {}).get("lost")
        self.lost: dt.datetime | None = dt.datetime.fromisoformat(lost) if lost else None

    def lose(self, at: dt.datetime) -> None:
        if self.lost is None:
            self.lost = at

    def restore(self, device: GbcsDevice, at: dt.datetime) -> Outgoing | None:
        lost, self.lost = self.lost, None
        if lost is None or at - lost < LONG_OUTAGE:
            return None
        tree = notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": OUTAGE_RESTORED_3_MIN},
            dlms_stamp(at), dlms_stamp(lost), dlms_stamp(at)])
        return device.alert(ECS80, tree, at, summary=f"ECS80 supply restored after {at - lost}")

    def state(self) -> dict[str, Any]:
        return {"lost": self.lost.isoformat() if self.lost else None}


# ----------------------------------------------------------------------------
# Firmware distribution (ZigBee OTA Upgrade)
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FirmwareImage:
    """A firmware image for one kind of device (manufacturer code, image type)."""

    manufacturer_code: int
    image_type: int
    file_version: int
    body: bytes

    @property
    def version(self) -> str:
        """The GBCS firmware version: the 4-byte file version (CS06, CS08)."""
        return f"{self.file_version:08X}"

    def ota_file(self) -> bytes:
        """The ZigBee OTA upgrade file (ZCL §11.4): header and one upgrade-image element."""
        element = struct.pack("<HI", UPGRADE_IMAGE_TAG, len(self.body)) + self.body
        header = _OTA_HEADER.pack(OTA_MAGIC, OTA_HEADER_VERSION, OTA_HEADER_LENGTH, 0,
                                  self.manufacturer_code, self.image_type, self.file_version,
                                  0x0002, b"gfi".ljust(32, b"\0"),
                                  OTA_HEADER_LENGTH + len(element))
        return header + element

    @property
    def image_hash(self) -> str:
        """The manufacturer image hash CS06 names: SHA-256 of the OTA file (inferred)."""
        return hashlib.sha256(self.ota_file()).hexdigest().upper()


def ota_header(data: bytes) -> dict[str, int] | None:
    """The fields of an OTA file header, or None when it is not one."""
    if len(data) < OTA_HEADER_LENGTH:
        return None
    magic, version, length, _control, manufacturer, image_type, file_version, _stack, _text, \
        total = _OTA_HEADER.unpack_from(data)
    if magic != OTA_MAGIC or version != OTA_HEADER_VERSION or length > len(data):
        return None
    return {"manufacturer_code": manufacturer, "image_type": image_type,
            "file_version": file_version, "total_size": total}


@dataclass(frozen=True)
class Transfer:
    """A finished transfer of an image to a device, for whom asked for it."""

    device: str
    image: FirmwareImage
    requester: str
    #: the device's Upgrade End status (ZCL: success, invalid_image, abort, …)
    status: str

    @property
    def success(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True)
class _Offer:
    image: FirmwareImage
    data: bytes
    requester: str


class OtaServer:
    """The Comms Hub's OTA Upgrade server on its endpoint ``zcl``: images offered per
    device, served to that device only; ``on_transfer`` hears of every finished one."""

    def __init__(self, zcl: ZclEndpoint, *, now: Callable[[], dt.datetime],
                 spawn: Callable[[Coroutine[Any, Any, None]], None],
                 on_transfer: Callable[[Transfer], Awaitable[None]] | None = None) -> None:
        self.zcl = zcl
        self.now = now
        self.spawn = spawn
        self.on_transfer = on_transfer
        self.offers: dict[str, _Offer] = {}
        zcl.on_command(OTA_UPGRADE, QUERY_NEXT_IMAGE_REQUEST, self._on_query)
        zcl.on_command(OTA_UPGRADE, IMAGE_BLOCK_REQUEST, self._on_block)
        zcl.on_command(OTA_UPGRADE, UPGRADE_END_REQUEST, self._on_end)

    def offer(self, device: str, image: FirmwareImage, *, requester: str) -> None:
        """The DCC hands the hub ``image`` for ``device`` on behalf of ``requester``; the
        hub tells the device (a sleepy one hears it at its next poll)."""
        self.offers[device.upper()] = _Offer(image, image.ota_file(), requester)
        self.spawn(self._notify(device.upper()))

    async def _notify(self, device: str) -> None:
        try:
            await self.zcl.send(device, OTA_UPGRADE, ZclCommand(IMAGE_NOTIFY, {
                "payload_type": 0, "query_jitter": 100, "manufacturer_code": None,
                "image_type": None, "new_file_version": None}), direction=TO_CLIENT)
        except DeliveryFailed as exc:  # it finds the image when it next queries
            logger.info("CH: Image Notify to %s not delivered: %s", device, exc)

    def _offer_for(self, frame: HanFrame, payload: Mapping[str, Any]) -> _Offer | None:
        offer = self.offers.get(frame.src_eui64.upper())
        if offer is None or (offer.image.manufacturer_code, offer.image.image_type) != \
                (payload["manufacturer_code"], payload["image_type"]):
            return None
        return offer

    def _on_query(self, frame: HanFrame, tree: dict[str, Any]) -> list[ZclCommand]:
        p = tree["payload"]
        offer = self._offer_for(frame, p)
        if offer is None or offer.image.file_version == p["current_file_version"]:
            return [ZclCommand(QUERY_NEXT_IMAGE_RESPONSE, {
                "status": "no_image_available", "manufacturer_code": None,
                "image_type": None, "file_version": None, "image_size": None})]
        return [ZclCommand(QUERY_NEXT_IMAGE_RESPONSE, {
            "status": "success", "manufacturer_code": offer.image.manufacturer_code,
            "image_type": offer.image.image_type, "file_version": offer.image.file_version,
            "image_size": len(offer.data)})]

    def _on_block(self, frame: HanFrame, tree: dict[str, Any]) -> list[ZclCommand]:
        p = tree["payload"]
        offer = self._offer_for(frame, p)
        if offer is None or offer.image.file_version != p["file_version"]:
            return [ZclCommand(IMAGE_BLOCK_RESPONSE, {"status": "abort", "image_block": None})]
        start = int(p["file_offset"])
        block = offer.data[start:start + min(int(p["maximum_data_size"]), BLOCK_SIZE)]
        return [ZclCommand(IMAGE_BLOCK_RESPONSE, {"status": "success", "image_block": {
            "manufacturer_code": p["manufacturer_code"], "image_type": p["image_type"],
            "file_version": p["file_version"], "file_offset": start,
            "image_data": block.hex().upper()}})]

    async def _on_end(self, frame: HanFrame, tree: dict[str, Any]) -> list[ZclCommand] | None:
        p = tree["payload"]
        offer = self._offer_for(frame, p)
        if offer is None:
            return None
        del self.offers[frame.src_eui64.upper()]
        transfer = Transfer(frame.src_eui64.upper(), offer.image, offer.requester,
                            str(p["status"]))
        if self.on_transfer is not None:
            await self.on_transfer(transfer)
        if not transfer.success:
            return None  # ZCL §11.13.9.4: a Default Response answers a failed upgrade
        return [ZclCommand(UPGRADE_END_RESPONSE, {
            "manufacturer_code": offer.image.manufacturer_code,
            "image_type": offer.image.image_type, "file_version": offer.image.file_version,
            "current_time": gbz_time(self.now()), "upgrade_time": WAIT_FOR_UPGRADE_COMMAND})]


def firmware_transfer_tree(transfer: Transfer, now: dt.datetime) -> dict[str, Any]:
    """CCS08 (0x0128, §2.4): the outcome of a transfer, for whom asked for it — response
    code 0 success, 1 image discarded (it did not verify), 3 transfer failure."""
    code = 0 if transfer.success else 1 if transfer.status == "invalid_image" else 3
    return {"schema": "CCS08.alert",
            "alert_code": TRANSFER_SUCCESS if transfer.success else TRANSFER_FAIL,
            "execution_date_time": generalized_time(now),
            "entity_id": transfer.device, "firmware_version": transfer.image.version,
            "response_code": code}


#: Sends one OTA request to the server and returns its answer (a decoded ZCL frame).
OtaRequest = Callable[[ZclCommand], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class ReceivedImage:
    """An image a device downloaded: the OTA file, whether it verified, its calculated
    manufacturer image hash (SHA-256, inferred) and firmware version."""

    data: bytes
    verified: bool

    @property
    def image_hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest().upper()

    @property
    def version(self) -> str:
        header = ota_header(self.data)
        return f"{header['file_version']:08X}" if header else ""


class OtaClient:
    """A device's OTA Upgrade client: :meth:`download` queries the server, fetches the
    image block by block, checks it and ends the upgrade; :meth:`receipt` is the alert that
    reports it (0x00CE from a DLMS device, 0x00CF from a GBZ one)."""

    def __init__(self, *, manufacturer_code: int, image_type: int,
                 current_version: Callable[[], str], request: OtaRequest) -> None:
        self.manufacturer_code = manufacturer_code
        self.image_type = image_type
        self.current_version = current_version
        self.request = request

    def _ids(self, file_version: int) -> dict[str, int]:
        return {"manufacturer_code": self.manufacturer_code, "image_type": self.image_type,
                "file_version": file_version}

    async def download(self) -> ReceivedImage | None:
        """The image the server holds for this device and whether it verified (None: the
        server has none)."""
        answer = await self.request(ZclCommand(QUERY_NEXT_IMAGE_REQUEST, {
            "field_control": 0, "manufacturer_code": self.manufacturer_code,
            "image_type": self.image_type,
            "current_file_version": int(self.current_version(), 16), "hardware_version": None}))
        offered = answer["payload"]
        if answer["command_id"] != QUERY_NEXT_IMAGE_RESPONSE or offered["status"] != "success":
            return None
        version, size = int(offered["file_version"]), int(offered["image_size"])
        data = bytearray()
        while len(data) < size:
            block = (await self.request(ZclCommand(IMAGE_BLOCK_REQUEST, {
                "field_control": 0, **self._ids(version), "file_offset": len(data),
                "maximum_data_size": BLOCK_SIZE, "request_node_address": None,
                "minimum_block_period": None})))["payload"]
            if block.get("status") != "success" or \
                    block["image_block"]["file_offset"] != len(data):
                break
            data += bytes.fromhex(block["image_block"]["image_data"])
        whole = len(data) == size
        verified = whole and self.verify(bytes(data))
        status = "success" if verified else "invalid_image" if whole else "abort"
        await self.request(ZclCommand(UPGRADE_END_REQUEST, {"status": status,
                                                            **self._ids(version)}))
        return ReceivedImage(bytes(data), verified)

    def verify(self, data: bytes) -> bool:
        """An OTA file for this kind of device, whole."""
        header = ota_header(data)
        return header is not None and header["total_size"] == len(data) and \
            (header["manufacturer_code"], header["image_type"]) == \
            (self.manufacturer_code, self.image_type)

    @staticmethod
    def receipt(device: GbcsDevice, image: ReceivedImage, now: dt.datetime, *,
                gbz: bool) -> Outgoing:
        """The Firmware Distribution Receipt alert for a received image: 8F72 verified or
        8F1C not, and the calculated manufacturer image hash (§2.2: 0x00CE ``09 20`` + hash;
        §2.3: 0x00CF)."""
        image_hash = image.image_hash
        code = VERIFICATION_SUCCESSFUL if image.verified else VERIFICATION_FAILED
        if gbz:
            return device.alert(FDRA_GBZ, {
                "component_count": 1, "alert_code": code, "timestamp": gbz_time(now),
                "manufacturer_image_hash": image_hash}, now)
        return device.alert(FDRA_DLMS, notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": code}, dlms_stamp(now), _octets(image_hash)]), now)


def attach_ota_client(node: Type1Node, kind: str, fetch: Callable[[], Awaitable[None]],
                      request: Callable[[ZclCommand], Awaitable[dict[str, Any]]] | None = None
                      ) -> OtaClient:
    """``node``'s OTA Upgrade client for images of ``kind`` (:data:`IMAGE_TYPES`): Image
    Notify from the Comms Hub starts ``fetch``; requests go to the hub, or through
    ``request`` (the sleepy GSME polls for every answer)."""
    async def to_hub(command: ZclCommand) -> dict[str, Any]:
        return await node.zcl.request(node.hub, OTA_UPGRADE, command)

    def on_image_notify(frame: HanFrame, tree: dict[str, Any]) -> None:
        node.tasks.spawn(fetch())

    node.zcl.on_command(OTA_UPGRADE, IMAGE_NOTIFY, on_image_notify, direction=TO_CLIENT)
    return OtaClient(manufacturer_code=MANUFACTURER_CODE, image_type=IMAGE_TYPES[kind],
                     current_version=lambda: node.asn1.firmware_version,
                     request=request or to_hub)


async def receive_firmware(node: Type1Node, client: OtaClient, *, gbz: bool) -> None:
    """``node`` downloads the image its Comms Hub offers, keeps it for CS06 when it
    verifies and reports its receipt."""
    image = await client.download()
    if image is None or node.gbcs is None:
        return
    if image.verified:
        node.asn1.distribute_image(image.image_hash, image.version)
    node.on_event(Event("firmware", f"{node.name}: image {image.version} received "
                                    f"({'verified' if image.verified else 'rejected'})",
                        {"device": node.name, "version": image.version}))
    await node.send_gbcs([OtaClient.receipt(node.gbcs, image, node.now(), gbz=gbz).data])


# ----------------------------------------------------------------------------
# Comms Hub logs
# ----------------------------------------------------------------------------
def gpf_device_log_tree(joined: Mapping[str, int], now: dt.datetime) -> dict[str, Any]:
    """GCS62 (0x00B2, §2.4): the GPF device log, for backup, when it changed."""
    return {"schema": "GCS62.alert", "alert_code": GPF_DEVICE_LOG_CHANGED,
            "backup_date_time": generalized_time(now),
            "device_log_entries": [{"device_id": eui, "device_type": kind}
                                   for eui, kind in sorted(joined.items())]}


def sub_ghz_configuration_tree(device: GbcsDevice, configuration: dict[str, Any],
                               now: dt.datetime) -> dict[str, Any]:
    """DBCH09 (0x0113, §2.2): the CHF's sub-GHz configuration, now changed."""
    return notification(device.alert_counter + 1, [
        {"type": "long-unsigned", "value": SUB_GHZ_CONFIGURATION_CHANGED}, dlms_stamp(now),
        configuration])
