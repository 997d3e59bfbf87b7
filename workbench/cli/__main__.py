"""``python -m workbench.cli``: the ``mds`` command."""

import sys

from workbench.cli import main

sys.exit(main())
