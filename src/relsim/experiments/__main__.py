"""``python -m relsim.experiments sweep|analyze ...``: the same as ``relsim sweep|analyze``."""

import sys

from relsim.cli import main

sys.exit(main())
