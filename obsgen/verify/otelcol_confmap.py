"""The collector's confmap expansion, as it runs on a config before anything else reads it.

At start-up the collector replaces `${env:NAME}`, `${NAME}` (and any `${scheme:...}`) in every
string with what the provider returns, and reads `$$` as one literal `$`. obsgen writes no
reference, so a `$` that is not doubled is a problem: the text would change, or fail to resolve,
on the machine that runs the collector.
"""

from __future__ import annotations

from collections.abc import Iterator


def expand(config):
    """The config as the collector sees it after expansion (`$$` -> `$`); references are left as
    they are (problems() reports them)."""
    if isinstance(config, str):
        return config.replace("$$", "$")
    if isinstance(config, dict):
        return {expand(k): expand(v) for k, v in config.items()}
    if isinstance(config, list):
        return [expand(v) for v in config]
    return config


def problems(config, where: str = "") -> list[str]:
    return [f"{path or '(top)'}: {text!r} has a `$` the collector would expand from the environment; "
            "write `$$`" for path, text in _strings(config, where) if "$" in text.replace("$$", "")]


def _strings(node, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            yield from _strings(key, path)
            yield from _strings(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{where}[{i}]")
