"""``python -m relsim``: the relsim command line."""

import sys

from relsim.cli import main

sys.exit(main())
