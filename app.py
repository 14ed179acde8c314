"""Start the web chat: ``python app.py [--articles DIR] [--index DIR] [--host H] [--port P]``.

Same as ``rag serve`` (every ``rag serve`` flag works); the index is built
first if it is missing or stale.
"""

import sys

from rag.app.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
