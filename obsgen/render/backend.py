"""What a backend is, declared once in its own folder's descriptor.py (in the spirit of the
OpenTelemetry Collector's component factories): the registry (obsgen/backends.py) reads them, and the
rerun cache, the writer's output directories, `obsgen k8s`, `obsgen test` and the diff ask it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from obsgen.artifacts import Artifact
from obsgen.spec.settings import Settings

Renderer = Callable[..., dict[str, Artifact | str]]  # (plan) or, with `reads`, (plan, artifacts)


@dataclass(frozen=True)
class Backend:
    name: str  # as progress, errors ("renderer NAME") and the cache's keys say it
    render: Renderer  # plan -> {path: artifact}; text only for files whose format is text
    output_dirs: tuple[str, ...]  # the top-level directories of the output tree it writes into
    # Its output for a plan is the union of its outputs for each service alone: the rerun cache
    # renders only the services whose plan changed (obsgen/cache.py).
    per_service: bool = False
    # The kinds of the Kubernetes objects it writes under k8s/ (tests hold it to what it renders);
    # none: `obsgen k8s` need not run it.
    k8s_kinds: tuple[str, ...] = ()
    # The module under obsgen/verify/ whose verify(out) judges its files with the real tool
    # (`obsgen test`), imported only when it runs.
    verifier: str | None = None
    # Its own Platform settings (`spec.<field>` of the Platform document): their model and check.
    # They are its folder's settings.py (the spec layer imports it, not this declaration, to
    # validate a Platform: docs/architecture.md#adding-a-backend); another backend's are added to
    # the Platform model when it is registered (obsgen/backends.register).
    settings: Settings | None = None
    # The other Platform fields it reads (of spec/models.PlatformSpec: shared ones such as
    # endpoints, or another backend's settings); tests check they exist.
    uses: tuple[str, ...] = ()
    # The backends whose artifacts it reads (registered before it): then it is called
    # render(plan, artifacts rendered so far), and reads them, never their text.
    reads: tuple[str, ...] = ()

    @property
    def in_k8s_stream(self) -> bool:
        return bool(self.k8s_kinds)
