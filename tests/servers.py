"""Start the real chat app in this process (one per test module) and stop it."""

from __future__ import annotations

import contextlib

from conftest import free_port


@contextlib.contextmanager
def running_app(engine):
    """Serve ``build_ui(engine)`` on a free local port; yields the base url."""
    from rag.app.ui import build_ui, launch_kwargs

    settings = engine.settings.replace(port=free_port())
    demo = build_ui(engine)
    demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    try:
        yield demo.local_url
    finally:
        demo.close()


def chromium(playwright):
    """Debian's Chromium, driven by playwright (never `playwright install`)."""
    return playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
