"""Typed artifacts: what renderers return, one per output file, each with its path.

Renderers build objects, not text; the text of every file is made in one place,
obsgen/output/encode.py (with the YAML writer, so bytes are those the renderers wrote before).
Steps that read other renderers' output (the kustomize step, `obsgen k8s`, the server-side apply
marks) read these objects: a Kubernetes object's kind, name and fields, never its YAML.

- TextFile: a file whose format is text itself (notification templates, Markdown, dashboard JSON
  as Grafana's SDK writes it, rules files not yet typed).
- YamlDocument: a YAML document from data (collector configs).
- K8sObject: one Kubernetes object (apiVersion, kind, metadata, then the rest in order).

An object replayed by the rerun cache (obsgen/cache.py) holds its bytes as read back from the tree
and the facts the cache kept beside them (`facts()`), never a parse of those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Artifact:
    path: str


@dataclass(eq=False)
class TextFile(Artifact):
    text: str


@dataclass(eq=False)
class YamlDocument(Artifact):
    data: dict
    header: str | None = None  # None: the YAML writer's own header


@dataclass(eq=False)
class CollectorConfig(YamlDocument):
    """An OpenTelemetry Collector config (otel/<env>/<role>.yaml)."""


@dataclass(eq=False)
class K8sObject(Artifact):
    body: dict  # the whole object, keys in the order written
    # Top-level keys whose YAML (`key:` and its value, as the writer prints `{key: value}`) the
    # renderer already holds: a PrometheusRule's spec is its rules file's groups, dumped once.
    encoded: dict[str, str] = field(default_factory=dict)
    # The bytes, for an object replayed by the rerun cache: body then holds only apiVersion, kind
    # and metadata.name (the facts the cache kept).
    text: str | None = None

    @property
    def api_version(self) -> str:
        return self.body["apiVersion"]

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]

    def facts(self) -> dict:
        """What the rerun cache keeps beside the bytes: what the kustomize step reads."""
        return {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}

    @classmethod
    def replayed(cls, path: str, text: str, facts: dict) -> K8sObject:
        body = {"apiVersion": facts["apiVersion"], "kind": facts["kind"], "metadata": {"name": facts["name"]}}
        return cls(path, body, text=text)


def facts(artifact: Artifact) -> dict | None:
    """The facts the rerun cache keeps for an artifact (None: its bytes alone say enough)."""
    return artifact.facts() if isinstance(artifact, K8sObject) else None


def replayed(path: str, text: str, kept: dict | None) -> Artifact:
    """An artifact the rerun cache read back from the tree, with the facts it kept."""
    if kept is not None:
        return K8sObject.replayed(path, text, kept)
    return TextFile(path, text)


def typed(path: str, value: Artifact | str) -> Artifact:
    """A renderer's value for a path: an artifact, or text (a TextFile)."""
    if isinstance(value, Artifact):
        if value.path != path:
            raise RuntimeError(f"artifact {value.path} returned as {path}")
        return value
    return TextFile(path, value)
