# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAN Connected Auxiliary Load Control Switch (HCALCS) and the ESME that drives it over
the ZigBee SE 1.4 Demand Response and Load Control cluster (0x0701, 07-5356 annex D.2;
product.md §4.4-4.5; gbcs-protocol.md §3 ECS46a/46c/47/47a/61a/61c/62).

Theory of operation
-------------------
The ESME keeps the state each auxiliary load switch should have in its COSEM model, in the
Disconnect Control object "ALCS/HCALCS n Switch" (class 70, ``0-n:96.3.10.255``, n = 1..5):
``output_state`` (attribute 2) true means the auxiliary load is on. Remote-party commands
change that object through :class:`~gfi.emulators.cosem.CosemServer` (remote_reconnect /
remote_disconnect, methods 2 and 1). :class:`EsmeLoadControl` is the ESME's DRLC *server*:
:meth:`EsmeLoadControl.commands_for` compares the object with what it last sent to HCALCS n
and returns the frames to send, and :meth:`EsmeLoadControl.on_report` records the HCALCS's
Report Event Status, so the ESME knows the confirmed state. :class:`HcalcsSwitch` is the
HCALCS, a DRLC *client*: :meth:`HcalcsSwitch.handle` takes a decoded ZCL frame from the ESME
and returns the reply frames.

The mapping (chosen here: the documents we hold do not fix it)
    * load **on** ↔ Load Control Event with Duty Cycle 100; load **off** ↔ Duty Cycle 0.
      The switch rejects any other duty cycle (Event Status 0xFE), and events of no
      duration or longer than a day (D.2.2.3.1.1).
    * Without an event the load is off — the class 70 default (output_state false).
    * The ESME sends every change as a new event starting now, lasting the SE maximum of
      1440 minutes, with Device Class bit 7 "simple misc. (residential on/off) loads" and
      criticality level 1; the new event supersedes the switch's current one. An *on*
      event that has run its day is sent again by :meth:`~EsmeLoadControl.commands_for`
      when given ``now``.
    * Event statuses (D.2.3.3.1.1, Table D-9): 0x01 received, then 0x02 started (at once or
      at the start time), 0x03 completed at the end (load back off), 0x06 cancelled, 0x07
      superseded; 0xFB expired, 0xFD cancel of an unknown event, 0xF9 cancel effective after
      the event's end, 0xFE rejected.
    * The switch holds one event (scheduled or running). Events whose Device Class shares
      no bit with the Device Class Value attribute, or whose Utility Enrollment Group is
      neither 0 nor the attribute's, are not for this switch: Default Response SUCCESS and
      nothing else. A repeated Issuer Event ID answers Default Response DUPLICATE_EXISTS.
    * No randomisation: the randomisation attributes are held (Read / Write Attributes)
      but start and end times are applied exactly.

Replies go client → server with the request's sequence number and default responses
disabled; reports raised by :meth:`HcalcsSwitch.tick` use the switch's own sequence
numbers. Anything the switch does not handle gets a Default Response naming why (ZCL
§2.5.12); a received Default Response is never answered.

Sans-I/O: no asyncio, no radio, no clock — time is the caller's ``now``. Both classes have
a JSON-native :meth:`state` and take it back as ``state=``.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.codecs.zcl import ZclStatus, describe_frame
from gfi.codecs.zcl.drlc import (
    DEVICE_CLASS_SIMPLE_MISC_LOADS,
    DUTY_CYCLE_NOT_USED,
    MAXIMUM_DURATION_IN_MINUTES,
    SIGNATURE_LENGTH,
    SIGNATURE_TYPE_NONE,
)
from gfi.emulators.cosem import CosemServer
from gfi.emulators.cosem.values import from_gbcs_seconds, gbcs_seconds
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.node import Clock, Event, EventSink, Type1Node, utc_now
from gfi.emulators.zcl_endpoint import (
    CLUSTER_SPECIFIC,
    DEFAULT_RESPONSE,
    PROFILE_WIDE,
    READ_ATTRIBUTES,
    READ_ATTRIBUTES_RESPONSE,
    TO_CLIENT,
    TO_SERVER,
)
from gfi.emulators.zse.attributes import AttributeStore, status_name
from gfi.radio.base import HanFrame, Radio

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
DRLC_CLUSTER_ID: Final = 0x0701

#: Versions of the :meth:`state` snapshots.
SWITCH_STATE_FORMAT: Final = "gfi.emulators.hcalcs.switch/1"
ESME_STATE_FORMAT: Final = "gfi.emulators.hcalcs.esme/1"

#: Duty cycles of the mapping.
DUTY_CYCLE_ON: Final = 100
DUTY_CYCLE_OFF: Final = 0
#: Criticality level of the ESME's events (SE 1.4 Table D-3: 1 = "green").
CRITICALITY_LEVEL: Final = 1

# fmt: off
#: Event Status values (SE 1.4 D.2.3.3.1.1, Table D-9).
RECEIVED: Final = 0x01
STARTED: Final = 0x02
COMPLETED: Final = 0x03
CANCELLED: Final = 0x06
SUPERSEDED: Final = 0x07
REJECTED_INVALID_EFFECTIVE_TIME: Final = 0xF9
REJECTED_EXPIRED: Final = 0xFB
REJECTED_UNDEFINED_EVENT: Final = 0xFD
REJECTED: Final = 0xFE
# fmt: on

#: Attribute ids of the DRLC client (D.2.3.2).
UTILITY_ENROLLMENT_GROUP: Final = 0x0000
START_RANDOMIZATION_MINUTES: Final = 0x0001
DURATION_RANDOMIZATION_MINUTES: Final = 0x0002
DEVICE_CLASS_VALUE: Final = 0x0003

#: Profile-wide command ids (ZCL §2.5) zcl_endpoint does not name.
WRITE_ATTRIBUTES: Final = 0x02
WRITE_ATTRIBUTES_UNDIVIDED: Final = 0x03
WRITE_ATTRIBUTES_RESPONSE: Final = 0x04

#: DRLC command ids (D.2.2.3, D.2.3.3).
LOAD_CONTROL_EVENT: Final = 0x00
CANCEL_LOAD_CONTROL_EVENT: Final = 0x01
CANCEL_ALL_LOAD_CONTROL_EVENTS: Final = 0x02
REPORT_EVENT_STATUS: Final = 0x00

#: How many history entries a switch keeps, and how many event ids the ESME remembers.
HISTORY_LENGTH: Final = 100
EVENTS_REMEMBERED: Final = 100

#: Class and OBIS of the "ALCS/HCALCS n Switch" objects of the ESME model.
SWITCH_CLASS: Final = 70
SWITCH_NUMBERS: Final = range(1, 6)


def switch_obis(hcalcs_index: int) -> str:
    """The logical name of "ALCS/HCALCS n Switch" (class 70)."""
    return f"0-{hcalcs_index}:96.3.10.255"


# ----------------------------------------------------------------------------
# Frames
# ----------------------------------------------------------------------------
def _frame(frame_type: str, direction: str, sequence_number: int, command_id: int,
           payload: Mapping[str, Any]) -> dict[str, Any]:
    """A DRLC frame tree as :func:`~gfi.codecs.zcl.decode_zcl_frame` gives it."""
    tree = {
        "frame_control": {"frame_type": frame_type, "manufacturer_specific": False,
                          "direction": direction, "disable_default_response": True,
                          "reserved": 0},
        "manufacturer_code": None,
        "sequence_number": sequence_number & 0xFF,
        "command_id": command_id,
        "payload": dict(payload),
    }
    return describe_frame(tree, DRLC_CLUSTER_ID)


def _is_command(tree: Mapping[str, Any], frame_type: str, direction: str,
                command_id: int) -> bool:
    fc = tree.get("frame_control")
    return (isinstance(fc, Mapping) and fc.get("frame_type") == frame_type
            and fc.get("direction") == direction and not fc.get("manufacturer_specific")
            and tree.get("command_id") == command_id
            and isinstance(tree.get("payload"), Mapping) and "raw" not in tree["payload"])


# ----------------------------------------------------------------------------
# The switch (DRLC client)
# ----------------------------------------------------------------------------
class HcalcsSwitch:
    """An HCALCS: one auxiliary load, switched by the DRLC events of the ESME."""

    def __init__(self, state: Mapping[str, Any] | None = None, *,
                 device_class_value: int = DEVICE_CLASS_SIMPLE_MISC_LOADS,
                 utility_enrollment_group: int = 0) -> None:
        #: The DRLC client attributes (D.2.3.2), readable and writable by the ESME.
        self.attributes = AttributeStore(
            DRLC_CLUSTER_ID,
            {UTILITY_ENROLLMENT_GROUP: utility_enrollment_group, START_RANDOMIZATION_MINUTES: 0,
             DURATION_RANDOMIZATION_MINUTES: 0, DEVICE_CLASS_VALUE: device_class_value},
            writable=(UTILITY_ENROLLMENT_GROUP, START_RANDOMIZATION_MINUTES,
                      DURATION_RANDOMIZATION_MINUTES, DEVICE_CLASS_VALUE),
            server=False,
        )
        self._on = False
        self._event: dict[str, Any] | None = None
        self._last_change: int | None = None
        self._history: list[dict[str, Any]] = []
        self._sequence_number = 0
        if state is not None:
            self._restore(state)

    # -- what the switch shows -----------------------------------------------------------
    @property
    def on(self) -> bool:
        """Whether the auxiliary load is switched on."""
        return self._on

    @property
    def active_event_id(self) -> int | None:
        """The Issuer Event ID of the running event (``None``: none runs)."""
        event = self._event
        return int(event["issuer_event_id"]) if event and event["started"] else None

    @property
    def event(self) -> dict[str, Any] | None:
        """The event held (scheduled or running): id, start and end (ZCL UTC seconds),
        duty cycle, criticality level, event control, started, end status."""
        return None if self._event is None else dict(self._event)

    @property
    def last_change(self) -> datetime | None:
        """When the load last switched."""
        return None if self._last_change is None else from_gbcs_seconds(self._last_change)

    @property
    def history(self) -> list[dict[str, Any]]:
        """The last :data:`HISTORY_LENGTH` event statuses: time (ZCL UTC seconds), issuer
        event id, event status, and whether the load was on afterwards."""
        return [dict(entry) for entry in self._history]

    # -- receive path --------------------------------------------------------------------
    def handle(self, tree: Mapping[str, Any], *, now: datetime,
               cluster_id: int = DRLC_CLUSTER_ID) -> list[dict[str, Any]]:
        """The reply frames to one decoded ZCL frame of ``cluster_id`` from the ESME (and
        first the reports of whatever fell due by ``now``, as :meth:`tick`)."""
        replies = self.tick(now)
        fc = tree.get("frame_control")
        fc = fc if isinstance(fc, Mapping) else {}
        payload = tree.get("payload")
        payload = payload if isinstance(payload, Mapping) else {"raw": ""}
        command_id = tree.get("command_id")
        tsn = tree.get("sequence_number")
        tsn = tsn if isinstance(tsn, int) else 0
        profile_wide = fc.get("frame_type") == PROFILE_WIDE
        if profile_wide and command_id == DEFAULT_RESPONSE:
            return replies  # never answer a Default Response (ZCL §2.5.12)
        if cluster_id != DRLC_CLUSTER_ID or fc.get("direction") != TO_CLIENT:
            status = ZclStatus.UNSUPPORTED_CLUSTER  # the switch is a DRLC client only
        elif fc.get("manufacturer_specific"):
            status = (ZclStatus.UNSUP_MANUF_GENERAL_COMMAND if profile_wide
                      else ZclStatus.UNSUP_MANUF_CLUSTER_COMMAND)
        elif profile_wide and command_id == READ_ATTRIBUTES:
            ids = payload.get("attribute_ids", [])
            return [*replies, self._reply(tsn, PROFILE_WIDE, READ_ATTRIBUTES_RESPONSE,
                                          {"records": self.attributes.read(ids)})]
        elif profile_wide and command_id in (WRITE_ATTRIBUTES, WRITE_ATTRIBUTES_UNDIVIDED):
            records = self.attributes.write(
                payload.get("records", []),
                undivided=command_id == WRITE_ATTRIBUTES_UNDIVIDED)
            return [*replies, self._reply(tsn, PROFILE_WIDE, WRITE_ATTRIBUTES_RESPONSE,
                                          {"records": records})]
        elif profile_wide:
            status = ZclStatus.UNSUP_GENERAL_COMMAND
        elif fc.get("frame_type") == CLUSTER_SPECIFIC and command_id in _SWITCH_HANDLERS \
                and "raw" not in payload:
            handler = _SWITCH_HANDLERS[command_id]
            return [*replies, *handler(self, payload, tsn, gbcs_seconds(now))]
        else:
            status = ZclStatus.UNSUP_CLUSTER_COMMAND
        logger.debug("hcalcs <- command %r: %s", command_id, status.name)
        return [*replies, self._default_response(tsn, command_id, status)]

    def tick(self, now: datetime) -> list[dict[str, Any]]:
        """Start or end the held event when its time has come; the Report Event Status
        frames that announce it."""
        now_s = gbcs_seconds(now)
        reports: list[dict[str, Any]] = []
        event = self._event
        if event is None:
            return reports
        if not event["started"] and event["start"] <= now_s and event["start"] < event["end"]:
            reports.append(self._start(event, event["start"], None))
        if event["end"] <= now_s:
            self._event = None
            self._switch(False, event["end"])
            reports.append(self._report(event, event["end_status"], event["end"], None))
        return reports

    # -- handlers --------------------------------------------------------------------------
    def on_load_control_event(self, payload: Mapping[str, Any], tsn: int,
                              now: int) -> list[dict[str, Any]]:
        if not self._for_me(payload):
            return [self._default_response(tsn, LOAD_CONTROL_EVENT, ZclStatus.SUCCESS)]
        event = {
            "issuer_event_id": payload["issuer_event_id"],
            "start": payload["start_time"] or now,
            "end": (payload["start_time"] or now) + 60 * payload["duration_in_minutes"],
            "duty_cycle": payload["duty_cycle"],
            "criticality_level": payload["criticality_level"],
            "event_control": payload["event_control"],
            "started": False,
            "end_status": COMPLETED,
        }
        current = self._event
        if current is not None and current["issuer_event_id"] == event["issuer_event_id"]:
            return [self._default_response(tsn, LOAD_CONTROL_EVENT,
                                           ZclStatus.DUPLICATE_EXISTS)]
        if event["duty_cycle"] not in (DUTY_CYCLE_ON, DUTY_CYCLE_OFF) \
                or not 0 < payload["duration_in_minutes"] <= MAXIMUM_DURATION_IN_MINUTES:
            return [self._report(event, REJECTED, now, tsn)]
        if event["end"] <= now:
            return [self._report(event, REJECTED_EXPIRED, now, tsn)]
        replies = []
        if current is not None:
            if current["started"] and event["start"] > now:
                self._switch(False, now)  # nothing runs until the new event starts
            replies.append(self._report(current, SUPERSEDED, now, tsn))
        self._event = event
        replies.append(self._report(event, RECEIVED, now, tsn))
        if event["start"] <= now:
            replies.append(self._start(event, now, tsn))
        return replies

    def on_cancel_load_control_event(self, payload: Mapping[str, Any], tsn: int,
                                     now: int) -> list[dict[str, Any]]:
        if not self._for_me(payload):
            return [self._default_response(tsn, CANCEL_LOAD_CONTROL_EVENT, ZclStatus.SUCCESS)]
        event = self._event
        if event is None or event["issuer_event_id"] != payload["issuer_event_id"]:
            unknown = {"issuer_event_id": payload["issuer_event_id"], "criticality_level": 0,
                       "duty_cycle": DUTY_CYCLE_NOT_USED, "event_control": 0}
            return [self._report(unknown, REJECTED_UNDEFINED_EVENT, now, tsn)]
        effective = payload["effective_time"] or now
        if effective > event["end"]:
            return [self._report(event, REJECTED_INVALID_EFFECTIVE_TIME, now, tsn)]
        if effective > now:
            event["end"] = effective
            event["end_status"] = CANCELLED
            return [self._default_response(tsn, CANCEL_LOAD_CONTROL_EVENT, ZclStatus.SUCCESS)]
        return [self._cancel(event, now, tsn)]

    def on_cancel_all_load_control_events(self, payload: Mapping[str, Any], tsn: int,
                                          now: int) -> list[dict[str, Any]]:
        if self._event is None:
            return [self._default_response(tsn, CANCEL_ALL_LOAD_CONTROL_EVENTS,
                                           ZclStatus.SUCCESS)]
        return [self._cancel(self._event, now, tsn)]

    # -- helpers -----------------------------------------------------------------------------
    def _for_me(self, payload: Mapping[str, Any]) -> bool:
        group = payload["utility_enrollment_group"]
        return bool(payload["device_class"] & self.attributes.get(DEVICE_CLASS_VALUE, 0)) \
            and group in (0, self.attributes.get(UTILITY_ENROLLMENT_GROUP, 0))

    def _start(self, event: dict[str, Any], now: int, tsn: int | None) -> dict[str, Any]:
        event["started"] = True
        self._switch(event["duty_cycle"] == DUTY_CYCLE_ON, now)
        return self._report(event, STARTED, now, tsn)

    def _cancel(self, event: dict[str, Any], now: int, tsn: int) -> dict[str, Any]:
        self._event = None
        self._switch(False, now)
        return self._report(event, CANCELLED, now, tsn)

    def _switch(self, on: bool, now: int) -> None:
        if on != self._on:
            self._on = on
            self._last_change = now
            logger.debug("hcalcs: load %s", "on" if on else "off")

    def _report(self, event: Mapping[str, Any], status: int, now: int,
                tsn: int | None) -> dict[str, Any]:
        """Report Event Status (D.2.3.3.1) for ``event``, and its history entry."""
        self._history.append({"time": now, "issuer_event_id": event["issuer_event_id"],
                              "event_status": status, "on": self._on})
        del self._history[:-HISTORY_LENGTH]
        applied = status in (RECEIVED, STARTED, COMPLETED, CANCELLED, SUPERSEDED)
        payload = {
            "issuer_event_id": event["issuer_event_id"],
            "event_status": status,
            "event_status_time": max(now, 1),  # 0 is not allowed here
            "criticality_level_applied": event["criticality_level"],
            "cooling_temperature_set_point_applied": 0x8000,
            "heating_temperature_set_point_applied": 0x8000,
            "average_load_adjustment_percentage_applied": -0x80,
            "duty_cycle_applied": event["duty_cycle"] if applied else DUTY_CYCLE_NOT_USED,
            "event_control": event["event_control"],
            "signature_type": SIGNATURE_TYPE_NONE,
            "signature": "FF" * SIGNATURE_LENGTH,
        }
        return self._reply(tsn, CLUSTER_SPECIFIC, REPORT_EVENT_STATUS, payload)

    def _default_response(self, tsn: int, command_id: Any, status: ZclStatus
                          ) -> dict[str, Any]:
        answered = command_id if isinstance(command_id, int) and 0 <= command_id < 256 else 0
        return self._reply(tsn, PROFILE_WIDE, DEFAULT_RESPONSE,
                           {"command_id": answered, "status": status_name(status)})

    def _reply(self, tsn: int | None, frame_type: str, command_id: int,
               payload: Mapping[str, Any]) -> dict[str, Any]:
        if tsn is None:
            self._sequence_number = (self._sequence_number + 1) & 0xFF
            tsn = self._sequence_number
        return _frame(frame_type, TO_SERVER, tsn, command_id, payload)

    # -- state ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """A complete JSON-native snapshot."""
        return {
            "format": SWITCH_STATE_FORMAT,
            "on": self._on,
            "event": None if self._event is None else dict(self._event),
            "last_change": self._last_change,
            "history": self.history,
            "sequence_number": self._sequence_number,
            "attributes": self.attributes.state(),
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        if state.get("format") != SWITCH_STATE_FORMAT:
            raise ValueError(f"not an HCALCS switch state: {state.get('format')!r}")
        self._on = bool(state["on"])
        self._event = None if state["event"] is None else dict(state["event"])
        self._last_change = state["last_change"]
        self._history = [dict(entry) for entry in state["history"]]
        self._sequence_number = int(state["sequence_number"])
        self.attributes = AttributeStore.from_state(state["attributes"])


#: Cluster-specific commands the switch receives (server → client), by command id.
_SWITCH_HANDLERS = {
    LOAD_CONTROL_EVENT: HcalcsSwitch.on_load_control_event,
    CANCEL_LOAD_CONTROL_EVENT: HcalcsSwitch.on_cancel_load_control_event,
    CANCEL_ALL_LOAD_CONTROL_EVENTS: HcalcsSwitch.on_cancel_all_load_control_events,
}


# ----------------------------------------------------------------------------
# The ESME side (DRLC server)
# ----------------------------------------------------------------------------
class EsmeLoadControl:
    """The ESME's DRLC server: turns the "ALCS/HCALCS n Switch" objects of a
    :class:`CosemServer` (ESME profile) into events for the HCALCSs, and keeps what they
    report."""

    def __init__(self, server: CosemServer, state: Mapping[str, Any] | None = None, *,
                 device_class: int = DEVICE_CLASS_SIMPLE_MISC_LOADS,
                 utility_enrollment_group: int = 0) -> None:
        self.server = server
        self.device_class = device_class
        self.utility_enrollment_group = utility_enrollment_group
        self._next_event_id = 1
        self._sequence_number = 0
        #: hcalcs index → the last event sent: issuer event id, on, sent at (or None).
        self._sent: dict[int, dict[str, Any]] = {}
        #: hcalcs index → the last report: issuer event id, event status, time, on.
        self._confirmed: dict[int, dict[str, Any]] = {}
        #: issuer event id → (hcalcs index, on) of the events sent.
        self._events: dict[int, tuple[int, bool]] = {}
        if state is not None:
            self._restore(state)

    def wanted(self, hcalcs_index: int) -> bool:
        """Whether the ESME model wants auxiliary load ``hcalcs_index`` on (the
        output_state of its switch object)."""
        obis = switch_obis(hcalcs_index)
        target = self.server.find(obis) if hcalcs_index in SWITCH_NUMBERS else None
        if target is None or target.class_id != SWITCH_CLASS:
            raise ValueError(f"the ESME model has no ALCS/HCALCS switch {hcalcs_index}")
        return bool(self.server.value(obis, 2).get("value"))

    def commands_for(self, hcalcs_index: int, *,
                     now: datetime | None = None) -> list[dict[str, Any]]:
        """The DRLC frames to send to HCALCS ``hcalcs_index`` now: a Load Control Event when
        its switch object differs from what was last sent (nothing sent yet: the switch's
        default, off), or when ``now`` is given and the last *on* event has run out."""
        on = self.wanted(hcalcs_index)
        last = self._sent.get(hcalcs_index)
        sent_on = bool(last and last["on"])
        expired = (last is not None and now is not None and last["sent_at"] is not None
                   and gbcs_seconds(now) >= last["sent_at"] + 60 * MAXIMUM_DURATION_IN_MINUTES)
        if on == sent_on and not (on and expired):
            return []
        event_id = self._new_event_id()
        self._sent[hcalcs_index] = {"issuer_event_id": event_id, "on": on,
                                    "sent_at": None if now is None else gbcs_seconds(now)}
        self._remember(event_id, hcalcs_index, on)
        logger.debug("esme -> hcalcs %d: event %d, load %s", hcalcs_index, event_id,
                     "on" if on else "off")
        return [self._frame(LOAD_CONTROL_EVENT, {
            "issuer_event_id": event_id,
            "device_class": self.device_class,
            "utility_enrollment_group": self.utility_enrollment_group,
            "start_time": 0,
            "duration_in_minutes": MAXIMUM_DURATION_IN_MINUTES,
            "criticality_level": CRITICALITY_LEVEL,
            "cooling_temperature_offset": 0xFF,
            "heating_temperature_offset": 0xFF,
            "cooling_temperature_set_point": -0x8000,
            "heating_temperature_set_point": -0x8000,
            "average_load_adjustment_percentage": -0x80,
            "duty_cycle": DUTY_CYCLE_ON if on else DUTY_CYCLE_OFF,
            "event_control": 0,
        })]

    def cancel(self, hcalcs_index: int) -> list[dict[str, Any]]:
        """Cancel Load Control Event for the last event sent to ``hcalcs_index`` (the
        switch goes back to its default, off); nothing when none was sent."""
        last = self._sent.pop(hcalcs_index, None)
        if last is None:
            return []
        return [self._frame(CANCEL_LOAD_CONTROL_EVENT, {
            "issuer_event_id": last["issuer_event_id"],
            "device_class": self.device_class,
            "utility_enrollment_group": self.utility_enrollment_group,
            "cancel_control": 0,
            "effective_time": 0,
        })]

    def on_report(self, tree: Mapping[str, Any]) -> int | None:
        """Record a Report Event Status from an HCALCS; the HCALCS index it concerns, or
        ``None`` for other frames and unknown events."""
        if not _is_command(tree, CLUSTER_SPECIFIC, TO_SERVER, REPORT_EVENT_STATUS):
            return None
        payload = tree["payload"]
        found = self._events.get(payload.get("issuer_event_id"))
        if found is None:
            logger.info("esme: report for unknown event %r", payload.get("issuer_event_id"))
            return None
        index, event_on = found
        status = payload.get("event_status")
        before = self._confirmed.get(index, {}).get("on")
        on = {STARTED: event_on, COMPLETED: False, CANCELLED: False}.get(status, before)
        self._confirmed[index] = {"issuer_event_id": payload["issuer_event_id"],
                                  "event_status": status,
                                  "time": payload.get("event_status_time"), "on": on}
        return index

    def confirmed(self, hcalcs_index: int) -> bool | None:
        """The load state HCALCS ``hcalcs_index`` last reported (``None``: not known)."""
        found = self._confirmed.get(hcalcs_index)
        return None if found is None else found["on"]

    def last_report(self, hcalcs_index: int) -> dict[str, Any] | None:
        """The last report of HCALCS ``hcalcs_index``: issuer event id, event status, time
        and the load state it implies."""
        found = self._confirmed.get(hcalcs_index)
        return None if found is None else dict(found)

    # -- helpers -----------------------------------------------------------------------------
    def _new_event_id(self) -> int:
        event_id = self._next_event_id
        self._next_event_id = event_id % 0xFFFFFFFF + 1
        return event_id

    def _remember(self, event_id: int, index: int, on: bool) -> None:
        self._events[event_id] = (index, on)
        for old in list(self._events)[:-EVENTS_REMEMBERED]:
            del self._events[old]

    def _frame(self, command_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        self._sequence_number = (self._sequence_number + 1) & 0xFF
        return _frame(CLUSTER_SPECIFIC, TO_CLIENT, self._sequence_number, command_id, payload)

    # -- state ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """A JSON-native snapshot (the COSEM server keeps its own)."""
        return {
            "format": ESME_STATE_FORMAT,
            "next_event_id": self._next_event_id,
            "sequence_number": self._sequence_number,
            "sent": {str(n): dict(v) for n, v in sorted(self._sent.items())},
            "confirmed": {str(n): dict(v) for n, v in sorted(self._confirmed.items())},
            "events": [[e, n, on] for e, (n, on) in self._events.items()],
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        if state.get("format") != ESME_STATE_FORMAT:
            raise ValueError(f"not an ESME load control state: {state.get('format')!r}")
        self._next_event_id = int(state["next_event_id"])
        self._sequence_number = int(state["sequence_number"])
        self._sent = {int(n): dict(v) for n, v in state["sent"].items()}
        self._confirmed = {int(n): dict(v) for n, v in state["confirmed"].items()}
        self._events = {int(e): (int(n), bool(on)) for e, n, on in state["events"]}


# ----------------------------------------------------------------------------
# The HCALCS on the HAN
# ----------------------------------------------------------------------------
class Hcalcs(Type1Node):
    """The HCALCS as a HAN device: a Type 1 device with its GBCS tunnel (CS08 reads its
    firmware version, ASN.1) and the DRLC client :class:`HcalcsSwitch` the ESME drives."""

    def __init__(self, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 name: str = "HCALCS") -> None:
        state = state or {}
        super().__init__(name, identity, radio, hub=hub, trust=trust, acb=acb, now=now,
                         on_event=on_event, state=state)
        self.switch = HcalcsSwitch(state.get("switch"))
        self.zcl.attach_engine(DRLC_CLUSTER_ID, self._on_drlc)

    def _on_drlc(self, frame: HanFrame, tree: dict[str, Any]) -> list[dict[str, Any]]:
        was = self.switch.on
        replies = self.switch.handle(tree, now=self.now())
        if self.switch.on != was:
            self.on_event(Event("switch", f"{self.name} switches its load "
                                          f"{'on' if self.switch.on else 'off'}",
                                {"device": self.name, "on": self.switch.on}))
        return replies

    def state(self) -> dict[str, Any]:
        return super().state() | {"switch": self.switch.state()}
