"""``python -m rag`` is the ``rag`` command."""

import sys

from .app.cli import main

sys.exit(main())
