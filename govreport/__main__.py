"""``python -m govreport COMMAND …``: the same as the installed ``govreport`` command."""

import sys

from govreport.cli import main

sys.exit(main())
