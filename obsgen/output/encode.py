"""The one place artifacts (obsgen/artifacts.py) become text: the bytes of every output file.

Kubernetes objects too large for client-side apply are marked for server-side apply here, from
the object itself (render/apply_mode.py): whether one needs it depends on its encoded size.
"""

from __future__ import annotations

from obsgen import names
from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.artifacts import Artifact, Dashboard, K8sObject, PromtoolTests, RuleFile, TextFile, YamlDocument, kept_text
from obsgen.render import apply_mode, rule_groups


def texts(artifacts: dict[str, Artifact]) -> dict[str, str]:
    """path -> text for every artifact, objects marked for server-side apply where they need it."""
    return {path: _marked(artifact) if isinstance(artifact, K8sObject) else text(artifact)
            for path, artifact in artifacts.items()}


def text(artifact: Artifact) -> str:
    """The artifact's text, made once (the rerun cache hashes it before the writer writes it)."""
    return kept_text(artifact, _text)


def _text(artifact: Artifact) -> str:
    if isinstance(artifact, TextFile):
        return artifact.text
    if isinstance(artifact, K8sObject):
        return _object(artifact)
    if isinstance(artifact, RuleFile):
        if artifact.text is not None:
            return artifact.text
        head = yamlout.dump(artifact.head, header="") if artifact.head else ""
        return yamlout.HEADER + head + rule_groups.text(artifact.rules)
    if isinstance(artifact, YamlDocument):
        return yaml_document(artifact)
    if isinstance(artifact, PromtoolTests):
        data, header = artifact.build()  # built here, once, and freed once written
        return yamlout.dump(data, header)
    if isinstance(artifact, Dashboard):
        from obsgen.render.grafana import sdk  # Grafana's SDK, imported only where dashboards are made

        return sdk.json_text(artifact)
    raise TypeError(f"{artifact.path}: no encoding for {type(artifact).__name__}")


def yaml_document(doc: YamlDocument) -> str:
    return yamlout.dump(doc.data) if doc.header is None else yamlout.dump(doc.data, doc.header)


def _object(obj: K8sObject) -> str:
    if obj.text is not None:
        return obj.text
    encoded = obj.encoded
    if obj.spec_rules is not None:
        encoded = {**encoded, "spec": yamlout.under("spec", rule_groups.text(obj.spec_rules))}
    if not encoded:
        return yamlout.dump(obj.body)
    # yamlout writes each top-level key of a mapping on its own: the text of the whole is the
    # concatenation of each key's, so a key's text the renderer already holds is used as it is.
    parts = [yamlout.HEADER]
    plain: dict = {}
    for key, value in obj.body.items():
        if key in encoded:
            if plain:
                parts.append(yamlout.dump(plain, header=""))
                plain = {}
            parts.append(encoded[key])
        else:
            plain[key] = value
    if plain:
        parts.append(yamlout.dump(plain, header=""))
    return "".join(parts)


def _marked(obj: K8sObject) -> str:
    """The object's text, or, when it is too large for client-side apply, the object annotated for
    server-side apply. Only objects over a quarter of the limit are measured (JSON is never 4x
    its YAML); one replayed by the rerun cache was written unmarked, so it needs none."""
    written = text(obj)
    if obj.text is not None or len(written.encode()) * 4 <= apply_mode.ANNOTATIONS_MAX:
        return written
    if obj.path.rsplit("/", 1)[-1] == names.KUSTOMIZATION:
        # kustomize's own input, never sent to an API server (verify/k8s_sizes.py skips it too); at
        # 5,000 services base's lists 10,000 files, and the annotation made kustomize's verifier
        # render the whole tree instead of in runs (a key its chunks do not compose)
        return written
    body = obj.body
    if apply_mode.client_side_fits(body) or apply_mode.server_side(body):
        return written
    metadata = dict(body.get("metadata") or {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), apply_mode.SYNC_OPTIONS: apply_mode.SERVER_SIDE}
    return yamlout.dump({**body, "metadata": metadata})
