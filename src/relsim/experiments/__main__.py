"""``python -m relsim.experiments sweep|analyze ...``: the experiment commands on their own."""

import sys

from relsim.experiments.cli import main

sys.exit(main())
