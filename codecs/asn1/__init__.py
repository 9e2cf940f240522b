# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS ASN.1 DER payloads (gbcs-protocol.md §2.4): a generic lossless DER codec
(:mod:`gfi.codecs.asn1.der`) and the named GBCS structures on top of it
(:mod:`gfi.codecs.asn1.gbcs`)."""

from gfi.codecs.asn1.gbcs import decode_asn1_payload, encode_asn1_payload

__all__ = ["decode_asn1_payload", "encode_asn1_payload"]
