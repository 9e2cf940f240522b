# SPDX-License-Identifier: GPL-3.0-or-later
from gfi.cli import main

main()
