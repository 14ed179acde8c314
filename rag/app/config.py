"""What the settings are and which command offers which: ``rag config`` (the
values in effect and where each came from) and docs/configuration.md (every
setting), both made from the descriptions in :mod:`rag.settings`."""

from __future__ import annotations

from pathlib import Path

from ..settings import GROUPS, PROJECT_ROOT, Loaded, Spec, specs

__all__ = ["COMMAND_SETTINGS", "offered", "shown_default", "config_table", "config_json",
           "reference"]

#: The settings each command offers as flags: groups, or single settings. The
#: environment variables work for every command.
COMMAND_SETTINGS: dict[str, tuple[str, ...]] = {
    "build": ("paths", "embedding", "index", "backend"),
    "add": ("paths", "embedding", "index", "backend"),
    "remove": ("paths", "backend"),
    "status": ("paths", "embedding", "index", "backend"),
    "ask": ("paths", "embedding", "backend", "search", "answer", "llm", "corroboration"),
    "eval": ("embedding", "index", "backend", "search", "eval"),
    "serve": ("paths", "embedding", "index", "backend", "search", "answer", "llm",
              "corroboration", "chat"),
    "config": tuple(GROUPS),
}


def offered(*wanted: str) -> list[Spec]:
    """The settings of these groups, or these settings, in declaration order."""
    return [spec for spec in specs().values() if spec.group in wanted or spec.name in wanted]


def _value(spec: Spec, value) -> str:
    if value is None:
        return "unset"
    if spec.secret:
        return "****"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolved(name: str, value) -> str | None:
    """What an ``auto`` value of a setting chosen per machine is on this one
    (``query_backend``, ``sentence_precision``), else ``None``."""
    if value != "auto":
        return None
    from ..models.embedding import resolve_precision, resolve_query_backend

    resolve = {"query_backend": resolve_query_backend,
               "sentence_precision": resolve_precision}.get(name)
    return resolve(value) if resolve else None


def _shown(spec: Spec, value) -> str:
    here = resolved(spec.name, value)
    return _value(spec, value) + (f" ({here} here)" if here else "")


def config_table(loaded: Loaded) -> str:
    """Every setting, grouped: value (and what ``auto`` is on this machine),
    where it came from, flag and variable."""
    header = ("setting", "value", "from", "flag", "env")
    rows = {spec.name: (spec.name, _shown(spec, getattr(loaded.settings, spec.name)),
                        loaded.sources[spec.name], spec.flags, spec.env)
            for spec in specs().values()}
    widths = [max(len(row[i]) for row in (header, *rows.values())) for i in range(5)]

    def line(cells) -> str:
        return "  " + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return "\n\n".join(
        "\n".join([f"{group}: {description}", line(header),
                   *(line(rows[s.name]) for s in specs().values() if s.group == group)])
        for group, description in GROUPS.items())


def config_json(loaded: Loaded) -> dict:
    """``rag config --json``: by setting name, its group, value (a path as
    text, a login masked), where it came from, flag and variable; ``here``:
    what an ``auto`` value is on this machine."""
    def plain(spec, value):
        if value is None or isinstance(value, (bool, int, float)) and not spec.secret:
            return value
        return _value(spec, value)

    out = {spec.name: {"group": spec.group,
                       "value": plain(spec, getattr(loaded.settings, spec.name)),
                       "from": loaded.sources[spec.name], "flag": spec.flag, "env": spec.env}
           for spec in specs().values()}
    for name, entry in out.items():
        if here := resolved(name, entry["value"]):
            entry["here"] = here
    return out


def shown_default(spec: Spec) -> str:
    """The default as the docs show it, the same on every machine."""
    value = spec.default
    if isinstance(value, Path):
        for root, label in ((PROJECT_ROOT, "<checkout>"), (Path.home(), "~")):
            if value.is_relative_to(root):
                return f"{label}/{value.relative_to(root).as_posix()}"
    return _value(spec, value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return text if text == "unset" else f"`{_cell(text)}`"


_INTRO = """\
# Configuration

<!-- Generated from rag/settings.py by `rag config --docs > docs/configuration.md`;
tests/app/test_settings.py fails when this file is out of date. -->

Every setting has a default, an environment variable and a command-line flag
named alike (`--top-k` and `RAG_TOP_K`). A flag wins over a variable, a variable
over the default:

```sh
RAG_TOP_K=3 rag ask "Who decided not to use its veto?"
rag ask --top-k 3 "Who decided not to use its veto?"
rag config --top-k 3     # every setting, its value, and where it came from
```

`rag config` lists the values in effect, where each came from (`default`,
`env RAG_...` or `flag --...`) and its flag and variable (`--json` for scripts;
the login is masked); an `auto` value says what it is on this machine
(`auto (openvino here)`). In Python, settings are one frozen object:
`Settings.from_env().replace(top_k=3)`.

Values are checked when they are read. A bad one stops the command with one
line naming the setting, its flag and variable and what is allowed (exit status
2); in Python, `Settings(...)`, `.replace(...)`, `Settings.from_env()` and
`rag.retrieve(...)` raise a `ValueError` with that line. A `RAG_*` variable
that is no setting is reported once, with the closest setting's name.

Each command has flags for the settings it uses (`rag COMMAND --help`):

| Command | Settings it has flags for |
|---|---|
"""


def reference() -> str:
    """docs/configuration.md: every setting, grouped (name, flag, variable,
    default, allowed values, what it does)."""
    lines = [_INTRO.rstrip("\n")]
    lines += [f"| `rag {command}` | {', '.join(groups)} |"
              for command, groups in COMMAND_SETTINGS.items()]
    renamed = [spec for spec in specs().values() if spec.old_env]
    lines += ["", "Former variable names still work for now, with a warning naming the "
                  "new one: " + ", ".join(f"`{s.old_env}` (now `{s.env}`)" for s in renamed)
              + "."]
    for group, description in GROUPS.items():
        lines += ["", f"## {group}", "", description, "",
                  "| Setting | Flag | Variable | Default | Allowed | What it does |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| `{s.name}` | {', '.join(f'`{f}`' for f in s.flags.split(', '))} "
                  f"| `{s.env}` | {_code(shown_default(s))} | {_cell(s.allowed())} "
                  f"| {_cell(s.help)} |"
                  for s in specs().values() if s.group == group]
    return "\n".join(lines) + "\n"
