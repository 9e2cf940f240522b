# SPDX-License-Identifier: GPL-3.0-or-later
"""A smart-metering premises on the virtual HAN: the Communications Hub (CHF + GPF) and its
six devices — ESME, sleepy GSME, IHD, CAD, PPMID and HCALCS — with the head end in front.

Bring-up (:meth:`Premises.start`) is what an installer and the DCC do: the head end adds
each device to the CHF device log with CCS01 (the CHF raises CS14 each time), the trust
centre admits each joining device only with the link key of the install code on the log,
the Type 1 devices open their GBCS tunnels, and the GSME wakes once to set up its mirror on
the GPF. Commands then flow head end → Comms Hub → device and back (zigbee-han.md §5).

Remote parties: the head end holds the DCC Boxed test organisation keys (supplier, network
operator, ACB, transitional CoS, WAN provider, Recovery, load controller) and the contingency
key of gfi's test SMKI (:class:`~gfi.emulators.identity.TestSmki`), whose public key the
devices hold only wrapped with their root anchor (CS02b anyByContingency). Replacement
credentials for the other parties come from the same test SMKI (gfi.usecases.credentials).

With a state directory every device's state (counters, logs, registers, mirror, queue) is
saved by :meth:`Premises.stop` and restored by the next ``Premises`` on the same directory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType
from gfi.codecs.gbcs.utrn import make_utrn
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage, parse_dccboxed_keystore
from gfi.codecs.security.primitives import ecdh
from gfi.emulators.comms_hub import CommsHub
from gfi.emulators.device import GbcsDevice
from gfi.emulators.display import Cad, Display
from gfi.emulators.esme import Esme
from gfi.emulators.gsme import Gsme
from gfi.emulators.hcalcs import Hcalcs
from gfi.emulators.identity import (
    CONTINGENCY,
    DeviceIdentity,
    TestSmki,
    test_ca,
    test_smki,
)
from gfi.emulators.node import Event, HanNode
from gfi.emulators.ppmid import PpmidNode
from gfi.emulators.store import StateStore
from gfi.emulators.subghz import SubGhzRadio
from gfi.headend import HeadEnd
from gfi.radio.virtual import VirtualHan

__all__ = ["ACB", "SUPPLIER", "Event", "Premises", "PremisesIds", "bundled_trust"]

logger = logging.getLogger(__name__)

N = TypeVar("N", bound=HanNode)
T = TypeVar("T")

ACB = "90B3D51F30000002"
SUPPLIER = "90B3D51F30010000"

#: The devices of a premises: name → (device type, entity id offset, sleepy).
DEVICES: dict[str, tuple[DeviceType, int, bool]] = {
    "ESME": (DeviceType.ESME, 0x0, False),
    "GSME": (DeviceType.GSME, 0x1, True),
    "PPMID": (DeviceType.PPMID, 0x4, False),
    "HCALCS": (DeviceType.HCALCS, 0x5, False),
    "IHD": (DeviceType.TYPE2, 0xB, False),
    "CAD": (DeviceType.TYPE2, 0xC, False),
}


def bundled_trust() -> InMemoryKeyStore:
    """The DCC Boxed / ZAZ1 test organisation keys devices trust by default (a store of
    the caller's own)."""
    keys = InMemoryKeyStore()
    keys.merge(_bundled_keys())
    return keys


@functools.cache
def _bundled_keys() -> InMemoryKeyStore:
    """The bundled key file, parsed once per process; only ever copied from (merge)."""
    from importlib.resources import files

    return parse_dccboxed_keystore((files("gfi") / "data" / "dccboxed-keystore.json").read_text())


@dataclass
class PremisesIds:
    """Entity ids of one premises (n counts premises from 0; premises 0 uses the RTDS ids,
    00DB1234567890A0 for the ESME …)."""

    n: int = 0

    def device(self, offset: int) -> str:
        return f"00DB{(0x123456 + self.n) & 0xFFFFFF:06X}7890A{offset:X}"


class Premises:
    """See the module docstring."""

    def __init__(self, n: int = 0, *, now: Callable[[], dt.datetime] | None = None,
                 seed: str = "gfi", on_event: Callable[[Event], None] | None = None,
                 state_dir: str | Path | None = None,
                 trust: InMemoryKeyStore | None = None,
                 sub_ghz_devices: Iterable[str] = ()) -> None:
        ids = PremisesIds(n)
        self.n = n
        #: Devices (by name) on the CHF's sub-GHz band: each takes a slot of the CHF's
        #: sub-GHz device set when CCS01 adds it (emulators/subghz.py). None by default.
        self.sub_ghz_devices = tuple(sub_ghz_devices)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.on_event = on_event or (lambda e: None)
        self.trust = InMemoryKeyStore()
        self.trust.merge(trust if trust is not None else _bundled_keys())
        #: gfi's test organisation hierarchy (contingency key, replacement credentials).
        self.smki: TestSmki = test_smki(seed)
        # the devices verify a contingency command's signature with this key, once its
        # plaintext symmetric key has unwrapped the copy they hold (emulators/asn1_model.py)
        self.trust.add_public_key(CONTINGENCY, KeyUsage.DS,
                                  self.smki.contingency_key.public_key(), label="gfi-contingency")
        self.store = StateStore(state_dir) if state_dir is not None else None
        #: The CA of the devices' certificates (CS02d re-issues them).
        self.ca = ca = test_ca(seed)
        self.chf_id, self.gpf_id = ids.device(2), ids.device(3)
        self.identities = {
            "CHF": DeviceIdentity.create(self.chf_id, DeviceType.CHF, seed=seed, ca=ca),
            "GPF": DeviceIdentity.create(self.gpf_id, DeviceType.GPF, seed=seed, ca=ca),
        } | {name: DeviceIdentity.create(ids.device(offset), kind, seed=seed, ca=ca)
             for name, (kind, offset, _) in DEVICES.items()}
        self.ids = {name: ident.eui64 for name, ident in self.identities.items()}
        self.esme_id, self.gsme_id = self.ids["ESME"], self.ids["GSME"]
        head_keys = InMemoryKeyStore()
        head_keys.merge(self.trust)
        for ident in self.identities.values():
            ident.publish(head_keys)
        head_keys.add_private_key(CONTINGENCY, KeyUsage.DS, self.smki.contingency_key,
                                  label="gfi-contingency")
        self.head = HeadEnd(head_keys, self._submit, acb=ACB)
        self._utrn_counter = 0
        if self.store is not None:  # the head end's counters must outlive a restart too
            saved = self.store.load("head-end", "counters") or {}
            self._utrn_counter = int(saved.pop("utrn", 0))
            self.head.counters.update(saved)
        # APS duplicate rejection, as every ZigBee stack does (ZigBee 2.2.8.4.2)
        self.han = VirtualHan(f"premises-{n}", duplicate_rejection=True)
        self.hub: CommsHub | None = None
        self.nodes: dict[str, HanNode] = {}

    # -- access -----------------------------------------------------------------------------
    def _load(self, eui64: str) -> dict[str, Any] | None:
        return self.store.load(eui64, "device") if self.store else None

    @property
    def devices(self) -> dict[str, GbcsDevice]:
        """The GBCS side of every Type 1 device, by name (CHF, GPF, ESME, GSME, …)."""
        if self.hub is None:
            raise RuntimeError("the premises is not started")
        out = {"CHF": self.hub.chf, "GPF": self.hub.gpf}
        out.update({name: node.gbcs for name, node in self.nodes.items()
                    if node.gbcs is not None})
        return out

    def node(self, name: str, kind: type[N]) -> N:
        """The device called ``name``, checked to be a ``kind``."""
        node = self.nodes.get(name)
        if not isinstance(node, kind):
            raise LookupError(f"no {kind.__name__} called {name} in this premises "
                              f"(started: {self.hub is not None})")
        return node

    @property
    def esme(self) -> Esme:
        return self.node("ESME", Esme)

    @property
    def gsme(self) -> Gsme:
        return self.node("GSME", Gsme)

    @property
    def ppmid(self) -> PpmidNode:
        return self.node("PPMID", PpmidNode)

    @property
    def hcalcs(self) -> Hcalcs:
        return self.node("HCALCS", Hcalcs)

    def utrn(self, pence: int, meter: str = "GSME") -> str:
        """A genuine UTRN worth ``pence`` from the supplier for ``meter`` (gbcs-protocol.md
        §2.5): MAC'd with the supplier's prepayment KA key and the meter's KA key, over the
        next UTRN counter (bits 32-41 of the supplier's originator counter)."""
        pp = self.head.keys.agreement_key(SUPPLIER, KeyUsage.PP_KA)
        device = self.identities[meter]
        assert device.ka_key is not None
        self._utrn_counter += 1
        return make_utrn(ecdh(pp, device.ka_key.public_key()),
                         supplier=bytes.fromhex(SUPPLIER), device=bytes.fromhex(device.eui64),
                         counter=self._utrn_counter << 32, value=pence, value_class=0)

    def display(self, name: str = "IHD") -> Display:
        return self.node(name, Display)

    async def _submit(self, data: bytes) -> None:
        if self.hub is None:
            raise RuntimeError("the premises is not started")
        await self.hub.submit(data)

    def _to_head(self, data: bytes, source: str) -> None:
        self.head.receive(data, source=source)

    # -- bring-up ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Attach every radio, provision, join, open tunnels, set up the gas mirror."""
        names = {ident.eui64: name for name, ident in self.identities.items()}
        coordinator = self.han.attach(self.gpf_id, coordinator=True)
        self.hub = CommsHub(self.identities["CHF"], self.identities["GPF"], coordinator,
                            trust=self.trust, acb=ACB, to_wan=self._to_head, now=self.now,
                            on_event=self.on_event, names=names, state=self._load(self.gpf_id),
                            sub_ghz=SubGhzRadio(designated=(self.ids[name] for name
                                                            in self.sub_ghz_devices)))
        for name, (_, _, sleepy) in DEVICES.items():
            self.nodes[name] = self._node(name, sleepy)
        for name in DEVICES:
            await self.add_to_device_log(name)
        coordinator.permit_joining(60)
        for node in self.nodes.values():
            await node.join()
        for node in self.nodes.values():
            if node.gbcs is not None:
                await node.open_tunnel()
        await self.gsme.wake()

    def _node(self, name: str, sleepy: bool) -> HanNode:
        ident = self.identities[name]
        radio = self.han.attach(ident.eui64, sleepy=sleepy)
        common: dict[str, Any] = {"hub": self.gpf_id, "now": self.now, "on_event": self.on_event}
        state = self._load(ident.eui64)
        if name == "ESME":
            return Esme(ident, radio, trust=self._paired_trust("PPMID"), acb=ACB, state=state,
                        hcalcs={1: self.ids["HCALCS"]}, **common)
        if name == "GSME":
            return Gsme(ident, radio, trust=self._paired_trust("PPMID"), acb=ACB, state=state,
                        **common)
        if name == "IHD":
            return Display(name, ident, radio, esme=self.esme_id, **common)
        if name == "CAD":
            return Cad(name, ident, radio, esme=self.esme_id, **common)
        if name == "PPMID":
            return PpmidNode(ident, radio, trust=self._paired_trust("GSME", "ESME"), acb=ACB,
                             state=state, **common)
        if name == "HCALCS":
            return Hcalcs(ident, radio, trust=self.trust, acb=ACB, state=state, **common)
        raise ValueError(f"no emulator for a device called {name}")

    def _paired_trust(self, *names: str) -> InMemoryKeyStore:
        """The default trust plus the certificates of the devices ``names`` — what a
        pairing (CS03 join) gives two devices that talk to each other directly."""
        keys = InMemoryKeyStore()
        keys.merge(self.trust)
        for name in names:
            self.identities[name].publish(keys)
        return keys

    async def add_to_device_log(self, name: str) -> None:
        """CCS01 from the ACB on behalf of the supplier (the CHF answers and raises CS14)."""
        ident = self.identities[name]
        response = await self.head.send(self.head.command(
            0x0001, originator=ACB, recipient=self.chf_id,
            payload=lambda c: build.ccs01_payload(c, ident.eui64, ident.install_code),
            supplementary_remote_party_id=SUPPLIER,
            supplementary_remote_party_counter=self.head.next_counter(SUPPLIER)))
        assert response is not None and response.payload is not None
        self.on_event(Event("command", f"CCS01 add {name} {ident.eui64} to the CHF device log: "
                                       f"result {response.payload['results'][0]['result']}",
                            {"device": name}))

    # -- conveniences -----------------------------------------------------------------------
    async def wake_gsme(self) -> int:
        """The GSME wakes: updates its mirror and runs every queued command; how many."""
        return (await self.gsme.wake()).commands

    async def through_queue(self, action: Awaitable[T], target: str | None,
                            timeout: float = 5.0) -> T:
        """Run ``action`` (a command on its way to ``target``); when ``target`` is the
        sleepy GSME, wait for the command to reach its GPF queue and wake the GSME to fetch
        it, then return what ``action`` gives."""
        task = asyncio.ensure_future(action)
        if self.hub is not None and target is not None and target.upper() in self.hub.sleepy:
            await self.hub.wait_queued(target.upper(), timeout=timeout)
            await self.wake_gsme()
        return await task

    def gsme_credit(self) -> int:
        """The GSME's prepayment credit (Prepayment cluster 0x0705, attribute 0x0001)."""
        store = self.gsme.gbz.store(0x0705)
        return int(store.get(0x0001)) if store is not None else 0

    async def display_reading(self, name: str = "IHD") -> dict[str, Any]:
        """What a display (IHD or CAD) shows after reading the meters over ZSE."""
        return (await self.display(name).refresh()).values

    @property
    def errors(self) -> list[BaseException]:
        """Failures inside any device's background work (none in a healthy run)."""
        out = list(self.hub.errors) if self.hub else []
        for node in self.nodes.values():
            out.extend(node.errors)
        return out

    def state(self) -> dict[str, dict[str, Any]]:
        """Every device's state by EUI-64 (what a state directory keeps)."""
        out = {self.gpf_id: self.hub.state()} if self.hub else {}
        out.update({node.eui64: node.state() for node in self.nodes.values()})
        return out

    def save(self) -> None:
        """Write every device's state and the head end's counters to the state directory."""
        if self.store is not None:
            for eui64, document in self.state().items():
                self.store.save(eui64, "device", document)
            self.store.save("head-end", "counters",
                            dict(self.head.counters) | {"utrn": self._utrn_counter})

    async def tick(self) -> int:
        """Let every device run what is due at the premises' time (future-dated commands,
        firmware activations) and send the alerts that raises; how many alerts."""
        now = self.now()
        sent = 0
        if self.hub is not None:
            for device, source in ((self.hub.chf, "CHF"), (self.hub.gpf, "GPF")):
                for out in device.tick(now):
                    await self.hub.to_wan_async(out.data, source)
                    sent += 1
        for node in self.nodes.values():
            if node.gbcs is not None:
                outs = node.gbcs.tick(now)
                await node.send_gbcs([out.data for out in outs])
                sent += len(outs)
        await self.settle()
        return sent

    async def settle(self, timeout: float = 2.0) -> None:
        """Wait until every device has finished what it is doing and the HAN is idle (a
        command's consequences on the HAN, such as the ESME switching its HCALCS, come
        after the command's response)."""
        for _ in range(3):
            if self.hub is not None:
                await self.hub.settle()
            for node in self.nodes.values():
                await node.settle()
            await self.han.drain(timeout)

    async def stop(self) -> None:
        """Let running work finish, save the state, shut the HAN down."""
        await self.settle()
        self.save()
        if self.store is not None:
            self.store.close()
        await self.han.close()
