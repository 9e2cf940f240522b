# SPDX-License-Identifier: GPL-3.0-or-later
"""Package data of the Use Case library: ``library.json`` (written by :mod:`.generate`) and
``PROVENANCE.md``."""
