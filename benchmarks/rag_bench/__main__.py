"""``python -m rag_bench``: the same as the ``rag-bench`` command."""

import sys

from .cli import main

sys.exit(main())
