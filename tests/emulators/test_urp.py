# SPDX-License-Identifier: GPL-3.0-or-later
"""Unknown remote party (URP) reads: the Access Control Broker sends the command on behalf
of a party the device does not know, carrying that party's key-agreement certificate; the
device encrypts the sensitive response for it and only that party can decrypt it
(gbcs-protocol.md §1.4 other-information > 26 bytes; GCS16b 4.14 URP in RTDS)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message, encode_payload
from gfi.codecs.security.gbcs import SecurityContext, Verdict
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.emulators.identity import RemoteParty
from gfi.premises import ACB, Premises
from tests.conftest import RTDS_VECTORS

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
RETRIEVER = "90B3D51F30990001"


def _rtds_gcs16b_payload() -> bytes:
    """The RTDS GCS16b URP command's payload (Prepayment GetPrepaySnapshot per billing
    snapshot cause), its period moved to the 40 days before NOW."""
    path = RTDS_VECTORS / "4.14_GCS16b" / "GCS16b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX"
    dm = decode_message(bytes.fromhex(Path(path).read_text().strip()))
    tree = dm.payload
    assert tree is not None
    end = int((NOW - dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).total_seconds())
    for component in tree["components"]:
        component["frame"]["payload"].update(earliest_start_time=end - 40 * 86400,
                                             latest_end_time=end)
    return encode_payload(PayloadFamily.GBZ, tree)


async def test_urp_read_is_encrypted_for_the_party_whose_certificate_it_carries() -> None:
    retriever = RemoteParty.create(RETRIEVER)
    p = Premises(0, now=lambda: NOW)
    retriever.publish(p.head.keys, private=True)
    try:
        await p.start()
        frame = p.head.command(
            0x0096, originator=ACB, recipient=p.gpf_id, payload=_rtds_gcs16b_payload(),
            supplementary_remote_party_id=RETRIEVER,
            supplementary_remote_party_counter=p.head.next_counter(RETRIEVER),
            certificate=retriever.certificate_der)
        response = await p.head.send(frame, timeout=5)
        assert response is not None and response.mac.verdict is Verdict.VALID
        oi = response.frame.other_information  # type: ignore[union-attr]
        assert oi.supplementary_remote_party_id == RETRIEVER and oi.certificate is None
        assert oi.supplementary_originator_counter is not None  # the device's own counter
        assert response.decrypted is True, json.dumps(response.payload)
        # without the retriever's private key the content stays sealed
        keys = InMemoryKeyStore()
        keys.merge(p.trust)
        for ident in p.identities.values():
            ident.publish(keys)
        sealed = decode_message(response.raw, security=SecurityContext(keys, acb=ACB))
        assert sealed.decrypted is not True
    finally:
        await p.stop()


async def test_a_malformed_urp_certificate_is_rejected() -> None:
    p = Premises(0, now=lambda: NOW)
    try:
        await p.start()
        frame = p.head.command(
            0x0096, originator=ACB, recipient=p.gpf_id, payload=_rtds_gcs16b_payload(),
            supplementary_remote_party_id=RETRIEVER,
            supplementary_remote_party_counter=p.head.next_counter(RETRIEVER),
            certificate=b"\x30\x82\x01\x00" + bytes(40))
        import asyncio
        sent = asyncio.ensure_future(p.head.send(frame, timeout=1))
        alert = await p.head.expect_alert(0x1000, timeout=2)
        assert alert.frame.originator == p.gpf_id  # type: ignore[union-attr]
        sent.cancel()
    finally:
        await p.stop()
