# SPDX-License-Identifier: GPL-3.0-or-later
"""The Communications Hub: the Comms Hub Function (CHF) and the Gas Proxy Function (GPF) on
the HAN coordinator (product.md §4.2-4.3; zigbee-han.md §5, §6.3).

Theory of operation
-------------------
* **WAN side** (:meth:`CommsHub.submit`): a GBCS command from the head end is routed by its
  recipient — the CHF and the GPF answer themselves; a command for a sleepy device (the
  GSME) waits in that device's queue until it wakes and GETs it; any other device on the
  device log gets it through its tunnel. What comes back goes to ``to_wan``.
* **HAN side**: a message a device PUTs through its tunnel is routed the same way when its
  recipient is another device of this hub (PPMID ↔ GSME, PCS01/PCS02), else it goes to the
  WAN.
* **Device log** (CHF class 104 object 0-0:30.3.0.255, CCS01/CCS02/CCS03): the trust centre
  admits a joining device only when it is on the log, with the link key of its install code.
  When a command changes the log the CHF raises CS14 (alert 0x0018, alert code 0x8F12); a
  device removed from the log is removed from the network.
* **GPF**: the GSME's metering mirror (RequestMirror, ConfigureMirror, Report Attributes; SE
  1.4 annex D.3.4.2) is kept in a :class:`~gfi.emulators.zse.mirror.MirrorStore`; remote-party
  reads addressed to the GPF are answered from it; HAN clients (IHD, CAD, PPMID) read the
  mirrored clusters here.
* **Alerts of its own** (emulators/events.py): the GPF device log changing (GCS62, 8071,
  for backup), the sub-GHz configuration changing (DBCH09, 8F2A), and every firmware image
  transfer the hub's OTA Upgrade server finishes (CCS08 to whom asked for it, 8F8A/8F89).
* **Sub-GHz radio** (:class:`~gfi.emulators.subghz.SubGhzRadio`, inert unless a harness
  sets its conditions or puts devices on the sub-GHz band): a DBCH05 channel scan request
  is assessed (DBCH08, and DBCH07 when the CHF moves channel: 0-0:94.44.10.2 changes); a
  designated device added to the device log beyond the sub-GHz capacity raises DBCH11; a
  message for a sub-GHz device beyond its duty-cycle budget is discarded (DBCH06, DBCH10).
* **Time server and Basic** (zigbee-han.md §6.3): Time (0x000A) gives UTC seconds since
  2000 with TimeStatus master|superseding; Basic PhysicalEnvironment is 1 as GBCS requires.

Tap-off (TOM) copies of GSME commands are not yet processed by the GPF.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from gfi.codecs.engines.tunnel import Role
from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.cosem import CHF_PROFILE, CosemServer
from gfi.emulators.cosem.classes import Call
from gfi.emulators.cosem.values import Item
from gfi.emulators.device import GbcsDevice, ObservedModel, dlms_stamp, notification
from gfi.emulators.events import (
    CCS08,
    DBCH09,
    GCS62,
    SUB_GHZ_CONFIGURATION,
    OtaServer,
    Transfer,
    firmware_transfer_tree,
    gpf_device_log_tree,
    sub_ghz_configuration_tree,
)
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.link import TunnelLink
from gfi.emulators.model import HandleContext, HandleResult
from gfi.emulators.node import Clock, Event, EventSink, Tasks, utc_now
from gfi.emulators.subghz import (
    DBCH05,
    DBCH06,
    DBCH07,
    DBCH08,
    DBCH10,
    DBCH11,
    LIMITED_DUTY_CYCLE_ACTION_TAKEN,
    MESSAGE_DISCARDED,
    NO_MORE_SUB_GHZ_DEVICE_CAPACITY,
    OPERATING_CHANNEL,
    SCAN_REQUEST_ASSESSMENT_OUTCOME,
    SUB_GHZ_CHANNEL_CHANGED,
    Channel,
    ScanOutcome,
    SubGhzRadio,
    channels_of,
    device_item,
    discarded_item,
)
from gfi.emulators.zcl_endpoint import TO_CLIENT, ZclCommand, ZclEndpoint
from gfi.emulators.zse import GSME_PROFILE, AttributeStore, GbzServer
from gfi.emulators.zse.mirror import MirrorStore
from gfi.radio.base import (
    AdmissionDecision,
    HanFrame,
    JoinEvent,
    JoinRequest,
    LeaveEvent,
    TrustCentreRadio,
)

logger = logging.getLogger(__name__)

DEVICE_LOG = "0-0:30.3.0.255"
CS14 = 0x0018
DEVICE_LOG_CHANGED = 0x8F12
BASIC, TIME, METERING = 0x0000, 0x000A, 0x0702
#: The CH's application endpoint and the endpoint the GSME mirror lives on (SE 1.4
#: D.3.4.2: RequestMirrorResponse names it).
HUB_ENDPOINT, MIRROR_ENDPOINT = 0x01, 0x02
REQUEST_MIRROR, CONFIGURE_MIRROR = 0x01, 0x08
ZCL_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

#: Sends a message to the WAN (the head end): (GBCS bytes, name of the source device).
WanSink = Callable[[bytes, str], Awaitable[None] | None]
#: A CHF alert to raise: (message code, alert code, the payload's third item).
ChfAlert = tuple[int, int, Item]


class _TimeSource:
    """Time cluster 0x000A, live (ZCL §3.12.2.2)."""

    def __init__(self, now: Clock) -> None:
        self.now = now
        self.store = AttributeStore(TIME, {0x0000: 0, 0x0001: 0x09})

    def read(self, attribute_ids: Sequence[int]) -> list[dict[str, Any]]:
        self.store.set(0x0000, int((self.now() - ZCL_EPOCH).total_seconds()))
        return self.store.read(attribute_ids)


class _MirrorView:
    """One mirrored cluster as HAN clients read it on the GPF."""

    def __init__(self, mirror: MirrorStore, cluster_id: int) -> None:
        self.mirror = mirror
        self.cluster_id = cluster_id

    def read(self, attribute_ids: Sequence[int]) -> list[dict[str, Any]]:
        return self.mirror.read(self.cluster_id, attribute_ids)


class CommsHub:
    """See the module docstring. ``names`` labels devices (EUI-64 → name) in events;
    ``sub_ghz`` the CHF's sub-GHz radio model (default: no sub-GHz devices, no conditions)."""

    def __init__(self, chf: DeviceIdentity, gpf: DeviceIdentity, radio: TrustCentreRadio, *,
                 trust: InMemoryKeyStore, acb: str, to_wan: WanSink, now: Clock = utc_now,
                 on_event: EventSink | None = None, names: dict[str, str] | None = None,
                 state: dict[str, Any] | None = None, sub_ghz: SubGhzRadio | None = None
                 ) -> None:
        state = state or {}
        self.chf_identity, self.gpf_identity = chf, gpf
        self.radio = radio
        self.acb = acb
        self.to_wan = to_wan
        self.now = now
        self.on_event: EventSink = on_event or (lambda e: None)
        self.names = names if names is not None else {}
        self.tasks = Tasks("CH", self.on_event)
        models = state.get("models", {})
        self.chf_model = CosemServer(CHF_PROFILE, models.get("chf"))
        #: a DBCH05 the CHF carried out, for route to assess once the response is out
        self._scan_request_done = False
        self.mirror = MirrorStore(models.get("mirror"))
        self.gpf_model = GbzServer(GSME_PROFILE, models.get("gpf"), mirror=self.mirror)
        # both answer the ASN.1 use cases of every Type 1 device, e.g. CS02a and CS02b
        # wanProviderByWanProvider on the CHF (gbcs-protocol.md §2.4, §3)
        self.chf_asn1 = Asn1Model(chf, state=models.get("chf_asn1"))
        self.gpf_asn1 = Asn1Model(gpf, state=models.get("gpf_asn1"))
        self.chf = GbcsDevice(chf, trust=trust, acb=acb, alert_recipient=acb,
                              models={PayloadFamily.DLMS: ObservedModel(self.chf_model,
                                                                        self._chf_ran),
                                      PayloadFamily.ASN1: self.chf_asn1},
                              state=state.get("chf"))
        self.gpf = GbcsDevice(gpf, trust=trust, acb=acb, state=state.get("gpf"), models={
            PayloadFamily.GBZ: self.gpf_model, PayloadFamily.ASN1: self.gpf_asn1})
        #: queued GBCS commands per sleepy device (GBCS: the GPF holds them for the GSME)
        self.queues: dict[str, list[bytes]] = {k: [bytes.fromhex(m) for m in v]
                                               for k, v in state.get("queues", {}).items()}
        self.sleepy: set[str] = set(state.get("sleepy", []))
        self.sub_ghz = SubGhzRadio(state=state["sub_ghz"]) if "sub_ghz" in state \
            else sub_ghz or SubGhzRadio()
        self._queued: dict[str, asyncio.Event] = {}
        self.links: dict[str, TunnelLink] = {}
        self.zcl = ZclEndpoint(radio, endpoint=HUB_ENDPOINT, name="CH")
        self.zcl.serve(BASIC, AttributeStore(BASIC, {0x0000: 0x03, 0x0011: 0x01}))
        self.zcl.serve(TIME, _TimeSource(now))
        #: the GSME's mirror, read by HAN clients on its own endpoint
        self.mirror_zcl = ZclEndpoint(radio, endpoint=MIRROR_ENDPOINT, name="GPF mirror")
        for cluster_id in GSME_PROFILE.mirrored_clusters:
            self.mirror_zcl.serve(cluster_id, _MirrorView(self.mirror, cluster_id))
            self.zcl.on_command(cluster_id, 0x0A, self._on_report, direction=TO_CLIENT,
                                cluster_specific=False)
        self.zcl.on_command(METERING, REQUEST_MIRROR, self._on_request_mirror,
                            direction=TO_CLIENT)
        self.zcl.on_command(METERING, CONFIGURE_MIRROR, self._on_configure_mirror,
                            direction=TO_CLIENT)
        #: firmware images the DCC hands the hub, served to the devices over ZigBee OTA
        self.ota = OtaServer(self.zcl, now=now, spawn=self.tasks.spawn,
                             on_transfer=self._after_transfer)
        radio.set_admission(self._admission)
        radio.set_sink(self._on_frame)
        radio.set_event_sink(self._on_radio_event)

    @property
    def chf_id(self) -> str:
        return self.chf_identity.eui64

    @property
    def gpf_id(self) -> str:
        return self.gpf_identity.eui64

    def _name(self, eui64: str) -> str:
        return self.names.get(eui64, eui64)

    # -- device log and admission -----------------------------------------------------------
    def device_log(self) -> dict[str, str]:
        """EUI-64 → install code (hex) of every device on the CHF device log."""
        obj = self.chf_model.find(DEVICE_LOG)
        return {eui: code for eui, code in obj.extra.get("devices", [])} if obj else {}

    def _admission(self, request: JoinRequest) -> AdmissionDecision:
        code = self.device_log().get(request.eui64)
        if not code:
            self.on_event(Event("join", f"{self._name(request.eui64)} {request.eui64} refused:"
                                        " not on the CHF device log",
                                {"eui64": request.eui64, "admitted": False}))
            return AdmissionDecision.refuse("not on the CHF device log")
        if request.sleepy:
            self.sleepy.add(request.eui64)
        return AdmissionDecision.admit(link_key_from_install_code(bytes.fromhex(code)))

    def _on_radio_event(self, event: object) -> None:
        if isinstance(event, LeaveEvent):
            self.links.pop(event.eui64, None)
        elif isinstance(event, JoinEvent):
            logger.debug("CH: %s", event)

    async def _after_chf(self, before: dict[str, str]) -> None:
        """CS14 when the device log changed; devices taken off it leave the network;
        designated sub-GHz devices put on it take a sub-GHz slot, or DBCH11."""
        after = self.device_log()
        if after == before:
            return
        for eui in set(before) - set(after):
            self.links.pop(eui, None)
            self.queues.pop(eui, None)
            self.sub_ghz.release(eui)
            await self.radio.remove(eui)
            self.on_event(Event("leave", f"{self._name(eui)} {eui} removed from the HAN",
                                {"eui64": eui}))
        alert = self.chf.alert(CS14, self._cs14_tree(after), self.now(),
                               recipient=self.acb, summary="CS14 device log changed")
        await self.to_wan_async(alert.data, "CHF")
        for eui, code in after.items():  # CCS01 put it on the log (new, or re-keyed)
            if before.get(eui) != code and eui in self.sub_ghz.designated:
                await self._sub_ghz_admit(eui)

    # -- sub-GHz radio (emulators/subghz.py) ------------------------------------------------
    async def use_sub_ghz(self, eui64: str) -> bool:
        """Harness: put ``eui64`` on the sub-GHz band; a device already on the device log
        takes its slot now (DBCH11 when none is left). Whether it has one."""
        self.sub_ghz.designate(eui64)
        if eui64 in self.device_log():
            return await self._sub_ghz_admit(eui64)
        return False

    async def _sub_ghz_admit(self, eui64: str) -> bool:
        if self.sub_ghz.admit(eui64):
            self.on_event(Event("sub-ghz", f"{self._name(eui64)} {eui64} on the sub-GHz band",
                                {"eui64": eui64}))
            return True
        await self._chf_alert((DBCH11, NO_MORE_SUB_GHZ_DEVICE_CAPACITY, device_item(eui64)))
        return False

    def _channels(self) -> tuple[Channel, list[Channel]]:
        """The operating channel (DBCH01) and the allowed ones (DBCH03's channel masks)."""
        current = Channel.from_bits(self.chf_model.value(OPERATING_CHANNEL, 2)["value"])
        masks = self.chf_model.value(SUB_GHZ_CONFIGURATION, 2)["value"][:4]
        return current, [c for m in masks for c in channels_of(m["value"])]

    def _chf_ran(self, request: Mapping[str, Any], result: HandleResult,
                 ctx: HandleContext) -> None:
        """The CHF's COSEM model ran a command: note a DBCH05 scan request it carried out."""
        results = result.response.get("results") or []
        if ctx.message_code == DBCH05 and results and \
                all(r.get("result") == 0 for r in results):
            self._scan_request_done = True

    async def _scan_requested(self) -> None:
        """DBCH05 succeeded: assess the channels; DBCH08, and DBCH07 on a move."""
        assessment = self.sub_ghz.assess(*self._channels())
        if assessment is None:
            return
        if assessment.outcome is ScanOutcome.CHANGED:
            ctx = HandleContext(now=self.now(), message_code=DBCH05, requester=self.chf_id,
                                requester_role=0, counter=0)
            self.chf_model.write_internal(Call(ctx, self.chf_model), 1, OPERATING_CHANNEL, 2,
                                          {"type": "bit-string", "bits": 32,
                                           "value": assessment.channel.bits()})
        self.on_event(Event("sub-ghz", f"CHF channel scan: {assessment.outcome.name.lower()}, "
                                       f"operating on {assessment.channel}",
                            {"outcome": int(assessment.outcome)}))
        await self._chf_alert((DBCH08, SCAN_REQUEST_ASSESSMENT_OUTCOME,
                               assessment.dbch08_item()))
        if assessment.outcome is ScanOutcome.CHANGED:
            await self._chf_alert((DBCH07, SUB_GHZ_CHANNEL_CHANGED, assessment.dbch07_item()))

    def _duty_cycle(self, recipient: str, data: bytes,
                    frame: GbcsFrame | None = None) -> tuple[bool, list[ChfAlert]]:
        """Whether the CHF transmits ``data`` to ``recipient`` now, and the alerts that
        raises (DBCH06 entering the Limited state, DBCH10 the message discarded: only then
        is ``data`` decoded, unless its ``frame`` is given)."""
        decision = self.sub_ghz.transmit(recipient, len(data), self.now())
        alerts: list[ChfAlert] = []
        if decision.limited_action:
            alerts.append((DBCH06, LIMITED_DUTY_CYCLE_ACTION_TAKEN, device_item(recipient)))
        if not decision.deliver:
            frame = frame or decode_frame(data)
            self.on_event(Event("sub-ghz", f"CHF discards a message for "
                                           f"{self._name(recipient)}: duty cycle",
                                {"eui64": recipient, "counter": frame.counter}))
            alerts.append((DBCH10, MESSAGE_DISCARDED, discarded_item(
                frame.originator, frame.recipient, int(frame.cra), frame.counter)))
        return decision.deliver, alerts

    async def _chf_alert(self, *alerts: ChfAlert) -> None:
        """CHF alerts to the ACB (§2.2 DLMS data-notification: code, time, one item)."""
        for code, alert_code, item in alerts:
            await self._alert(self.chf, code, notification(self.chf.alert_counter + 1, [
                {"type": "long-unsigned", "value": alert_code}, dlms_stamp(self.now()), item]))

    def _cs14_tree(self, log: dict[str, str]) -> dict[str, Any]:
        """CS14 (GBCS 0x0018): alert 0x8F12 with the CHF device log."""
        stamp = dlms_stamp(self.now())
        entries = [{"type": "structure", "value": [
            {"type": "octet-string", "value": eui},
            {"type": "octet-string", "value": code}]} for eui, code in log.items()]
        return notification(self.chf.alert_counter + 1, [
            {"type": "long-unsigned", "value": DEVICE_LOG_CHANGED},
            stamp,
            {"type": "structure", "value": [
                stamp,
                {"type": "octet-string", "value": self.gpf_id},
                {"type": "array", "value": entries}]}])

    # -- routing ----------------------------------------------------------------------------
    async def submit(self, data: bytes) -> None:
        """The WAN side: a command from the head end."""
        await self.route(data, source="WAN")

    async def route(self, data: bytes, *, source: str) -> None:
        """Deliver a GBCS message to its recipient (module docstring)."""
        frame = decode_frame(data)
        recipient = frame.recipient
        if recipient == self.chf_id:
            before, sub_ghz = self.device_log(), self.chf_model.value(SUB_GHZ_CONFIGURATION, 2)
            outcome = self.chf.process(data, self.now())
            for out in outcome.messages:
                await self.to_wan_async(out.data, "CHF")
            await self._after_chf(before)
            configuration = self.chf_model.value(SUB_GHZ_CONFIGURATION, 2)
            if configuration != sub_ghz:
                await self._alert(self.chf, DBCH09, sub_ghz_configuration_tree(
                    self.chf, configuration, self.now()))
            if self._scan_request_done:
                self._scan_request_done = False
                await self._scan_requested()
        elif recipient == self.gpf_id:
            joined = dict(self.gpf_asn1.joined)
            for out in self.gpf.process(data, self.now()).messages:
                await self.to_wan_async(out.data, "GPF")
            if self.gpf_asn1.joined != joined:
                await self._alert(self.gpf, GCS62, gpf_device_log_tree(self.gpf_asn1.joined,
                                                                       self.now()))
        elif recipient in self.sleepy:  # the duty cycle applies when it is fetched
            queue = self.queues.setdefault(recipient, [])
            queue.append(data)
            self._queued.setdefault(recipient, asyncio.Event()).set()
            self.on_event(Event("queue", f"GPF queues a message for the "
                                         f"{self._name(recipient)} ({len(queue)} waiting)",
                                {"device": self._name(recipient), "waiting": len(queue)}))
        elif recipient in self.links:
            deliver, alerts = self._duty_cycle(recipient, data, frame)
            await self._chf_alert(*alerts)
            if deliver:
                await self.links[recipient].put(data)
        elif source != "WAN":
            raise LookupError(f"{self._name(source)} sent a message for {recipient}, "
                              "which is not on this Comms Hub")
        else:
            raise LookupError(f"no device {recipient} on this Comms Hub "
                              f"(device log: {', '.join(self.device_log()) or 'empty'})")

    async def _alert(self, device: GbcsDevice, code: int, tree: dict[str, Any],
                     recipient: str | None = None) -> None:
        """An alert of the CHF or GPF to the WAN (to the ACB unless ``recipient``)."""
        alert = device.alert(code, tree, self.now(), recipient=recipient or self.acb)
        await self.to_wan_async(alert.data, "CHF" if device is self.chf else "GPF")

    async def _after_transfer(self, transfer: Transfer) -> None:
        await self._alert(self.chf, CCS08, firmware_transfer_tree(transfer, self.now()),
                          recipient=transfer.requester)

    async def to_wan_async(self, data: bytes, source: str) -> None:
        """Send a message of the CHF or GPF (``source``) to the WAN."""
        result = self.to_wan(data, source)
        if result is not None:
            await result


    async def _from_device(self, eui64: str, data: bytes) -> None:
        recipient = decode_frame(data).recipient
        if recipient in self.device_log() and recipient != eui64:
            await self.route(data, source=eui64)
        else:
            await self.to_wan_async(data, self._name(eui64))

    async def wait_queued(self, eui64: str, count: int = 1, timeout: float = 5.0) -> None:
        """Until at least ``count`` messages wait in the queue of sleepy device ``eui64``."""
        event = self._queued.setdefault(eui64, asyncio.Event())
        async with asyncio.timeout(timeout):
            while len(self.queues.get(eui64, [])) < count:
                event.clear()
                await event.wait()

    def _next_queued(self, eui64: str) -> tuple[int, bytes | None]:
        queue = self.queues.get(eui64, [])
        while queue:
            message = queue.pop(0)
            deliver, alerts = self._duty_cycle(eui64, message)
            if alerts:
                self.tasks.spawn(self._chf_alert(*alerts))
            if deliver:
                return len(queue), message
        return 0, None

    def _link(self, eui64: str) -> TunnelLink | None:
        link = self.links.get(eui64)
        if link is None and eui64 in self.device_log():
            link = TunnelLink(
                self.radio, eui64, Role.SERVER,
                on_message=lambda m, e=eui64: self._from_device(e, m),  # type: ignore[misc]
                queue=lambda e=eui64: self._next_queued(e))  # type: ignore[misc]
            self.links[eui64] = link
        return link

    def _on_frame(self, frame: HanFrame) -> None:
        if frame.cluster_id == 0x0704:
            link = self._link(frame.src_eui64)
            if link is None:
                logger.warning("CH: tunnel frame from %s, not on the device log",
                               frame.src_eui64)
                return
            self.tasks.spawn(link.feed(frame))
        elif frame.dst_ep == MIRROR_ENDPOINT:
            self.tasks.spawn(self.mirror_zcl.feed(frame))
        else:
            self.tasks.spawn(self.zcl.feed(frame))

    # -- GPF mirror (SE 1.4 D.3.4.2) --------------------------------------------------------
    def _on_request_mirror(self, frame: HanFrame, tree: dict[str, Any]) -> list[ZclCommand]:
        self.on_event(Event("mirror", f"GPF creates the mirror of {self._name(frame.src_eui64)}",
                            {"device": self._name(frame.src_eui64)}))
        return [ZclCommand(REQUEST_MIRROR, {"endpoint_id": MIRROR_ENDPOINT})]

    def _on_configure_mirror(self, frame: HanFrame, tree: dict[str, Any]) -> None:
        logger.debug("CH: ConfigureMirror from %s: %s", frame.src_eui64, tree["payload"])

    def _on_report(self, frame: HanFrame, tree: dict[str, Any]) -> None:
        records = tree["payload"]["records"]
        notes = self.mirror.apply([(frame.cluster_id, records)],
                                  at=int((self.now() - ZCL_EPOCH).total_seconds()))
        refused = [n for n in notes if "refused" in n]
        for note in refused:
            logger.warning("CH: %s", note)
        self.on_event(Event("mirror", f"GPF mirror of {self._name(frame.src_eui64)}: "
                                      f"{len(records)} attributes on cluster "
                                      f"0x{frame.cluster_id:04X}"
                                      + (f", {len(refused)} refused" if refused else ""),
                            {"cluster": frame.cluster_id, "records": len(records)}))

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"chf": self.chf.state(), "gpf": self.gpf.state(),
                "models": {"chf": self.chf_model.state(), "gpf": self.gpf_model.state(),
                           "mirror": self.mirror.state(), "chf_asn1": self.chf_asn1.state(),
                           "gpf_asn1": self.gpf_asn1.state()},
                "queues": {k: [m.hex() for m in v] for k, v in self.queues.items() if v},
                "sleepy": sorted(self.sleepy), "sub_ghz": self.sub_ghz.state()}

    async def settle(self) -> None:
        await self.tasks.settle()

    @property
    def errors(self) -> list[BaseException]:
        return self.tasks.errors

