"""``python -m relsim.schemas``: regenerate the shipped JSON Schema files."""

import sys

from relsim.schemas import main

sys.exit(main())
