"""The deterministic YAML writer's former home, kept as a name for the tests written against it:
obsgen's own modules import obsgen.yamlio (YAML I/O's one home)."""

from obsgen.yamlio import HEADER, _inline, _key, dump, scalar, under  # noqa: F401
