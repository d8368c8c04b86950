"""``python -m outputsaving``: the same as the ``outputsaving`` command."""

import sys

from outputsaving.cli import main

sys.exit(main())
