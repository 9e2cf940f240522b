# SPDX-License-Identifier: GPL-3.0-or-later
"""gfi.codecs: the sans-I/O core — declarative construct schemas for GBCS framing and its
DLMS, GBZ (ZCL) and ASN.1 payload families, GBCS security as pure functions, and the
message-code catalogue. Nothing here does I/O, reads a clock or draws random numbers of its own.
"""
