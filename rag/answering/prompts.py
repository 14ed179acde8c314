"""Prompt templates: plain text files in ``prompts/`` with named placeholders.

A template such as ``prompts/answer.txt`` contains ``{question}``,
``{passages}`` and so on; it is read at run time (edit the file, not the
code) and filled with :meth:`PromptTemplates.render`, which refuses a template
that lacks a placeholder the code relies on. Article text only ever enters a
prompt inside a ``<passage>`` block, with anything that could close the block
early defused.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from ..types import Hit

__all__ = ["PromptTemplates", "PromptError", "format_passages", "REQUIRED"]

#: Placeholders each template must contain.
REQUIRED = {
    "answer": {"passages", "question"},
    "short_answer": {"passages", "question"},
    "rewrite": {"history", "question"},
    "passage": {"number", "text"},
}

_BLOCK_TAG = re.compile(r"<\s*/?\s*passages?\b", re.IGNORECASE)


class PromptError(ValueError):
    """A template is missing or lacks a placeholder the code needs."""


class PromptTemplates:
    """The templates of one prompts directory, read on first use."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._cache: dict[str, str] = {}

    def template(self, name: str) -> str:
        if name not in self._cache:
            path = self.directory / f"{name}.txt"
            if not path.is_file():
                raise PromptError(f"prompt template not found: {path}")
            text = path.read_text(encoding="utf-8")
            found = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            if missing := REQUIRED.get(name, set()) - found:
                raise PromptError(f"{path} lacks placeholder(s) "
                                  + ", ".join("{" + m + "}" for m in sorted(missing)))
            self._cache[name] = text
        return self._cache[name]

    def render(self, name: str, **values) -> str:
        """The template ``name`` with its ``{placeholders}`` filled in.

        Placeholders without a value are left empty; braces inside the values
        (article text) are never interpreted.
        """
        return string.Formatter().vformat(self.template(name), (), _Blank(values))

    def passages(self, hits: list[Hit]) -> str:
        """The numbered passage blocks for ``hits`` ([1] is the first hit)."""
        return format_passages(self, hits)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _defuse(text: str) -> str:
    """Article text that cannot open or close a passage block."""
    return _BLOCK_TAG.sub(lambda m: m.group().replace("<", "‹"), text)


def format_passages(templates: PromptTemplates, hits: list[Hit]) -> str:
    blocks = [templates.render("passage", number=n, text=_defuse(hit.text.strip()),
                               source=_defuse(hit.citation).replace('"', "'"))
              for n, hit in enumerate(hits, 1)]
    return "\n".join(b.strip() for b in blocks)
