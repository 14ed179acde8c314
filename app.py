"""Start the web chat: ``python app.py [--articles DIR] [--index DIR] [--host H] [--port P]``.

Same as ``rag serve``; the index is built first if it is missing or stale.
"""

import argparse

from rag.app.cli import add_serve_flags, serve, settings_from_args

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the newsroom retrieval chat.")
    add_serve_flags(parser)
    serve(settings_from_args(parser.parse_args()))
