"""``python -m storyweave`` runs the CLI."""

import sys

from storyweave.cli import main

sys.exit(main())
