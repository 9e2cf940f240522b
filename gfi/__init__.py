# SPDX-License-Identifier: GPL-3.0-or-later
"""gfi: GBCS for Industry — emulate the DCC, a Communications Hub and the devices of a
smart-metering home; build, sign, MAC, send, receive, decode and verify GBCS messages."""

__version__ = "0.1.0"
