"""`kubectl kustomize` on a tree of per-object kustomizations, in cached runs, composed as kustomize does.

When every kustomization a rendering reads uses only keys whose effect is per object (PER_OBJECT:
namespace, labels, commonLabels, commonAnnotations over `resources`) and lists only files under its
own directory and directories of the tree, the real `kubectl kustomize` renders the files in runs
(`chunks`): scratch kustomizations holding each kustomization's own text byte for byte, nested as
in the tree (an overlay over base stays an overlay over base), with `resources` cut to one chunk
of files. A run's output is a function of the bytes kubectl reads (those kustomizations, the
chunk's files, kubectl itself), so it is cached under the sha256 of exactly those, kubectl's
`version --client` and obsgen's code (result_cache). Runs of the same text over the same files are
one run: k8s/ and overlays whose kustomizations read alike share base's; so do nestings that differ
in text but print the files' skeletons alike (_shared: obsgen's k8s/ and overlays). After a
one-service change only the runs holding that service's files render again.

Why the objects of a run are the objects the whole rendering prints: every transformer allowed
changes each object from that object alone, except kustomize's name references (a RoleBinding's
subjects take the namespace of a ServiceAccount of the same build, webhooks' and APIServices'
services likewise; a `needs-hash` annotation renames). So only files whose objects are all of INERT
kinds, with no kustomize annotation or label, are spread over hashed buckets, one run per bucket
and kustomization; every other file a rendering reads goes into one run of the whole nesting, so
each reference resolves within one build as in the whole. What kustomize does with the runs'
outputs is fixed and small, and is all this module does itself (`_compose`): the objects are
concatenated, two with one id (group, kind, namespace, name) are an error (kustomize refuses them
where they meet; no allowed transformer makes two equal ids differ, so meeting at the top is
meeting), and they are printed in kustomize's legacy order (`_before`: the order is total on
distinct ids, so how the files were cut does not show). `tests/verify/test_kustomize.py` holds the
composed stream of every directory to kubectl's whole rendering byte for byte (the bundled
examples cut two files a run, 50 synthesized services, the hostile tree, RBAC and cluster-scoped
kinds), and breaks one file after a passing run (one id twice across runs, a missing resource, a
file that is not an object or not YAML, a refused name).

Anything else returns None from `plan` and the caller renders whole, as before: patches,
generators, name prefixes or suffixes, sortOptions, a remote or missing resource, a file outside
its kustomization's directory, a symlink, a kustomization read twice, a second kustomization file
name, a layout whose `resources` block cannot be cut out as a block of top-level lines.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from obsgen import names, yamlio
from obsgen.output import committed
from obsgen.verify.result import Result
from obsgen.verify.result_cache import Files, ResultCache, digest, tool_version

# The keys of a kustomization whose effect is per object (kubectl.docs.kubernetes.io, "kustomization"
# reference: namespace, labels, commonLabels, commonAnnotations; resources lists the inputs).
PER_OBJECT = frozenset({"apiVersion", "kind", "resources", "namespace", "labels", "commonLabels",
                        "commonAnnotations"})
# Kinds that no name reference carrying a namespace reads or points at (kustomize's nameReference
# configuration points at ServiceAccounts and Services with a namespace, from bindings, webhooks,
# APIServices and CRDs): a file of these alone may be rendered in any chunk.
INERT = frozenset({"ConfigMap", "Secret", "PrometheusRule"})
FILES_PER_CHUNK = 32
# Buckets whose skeletons one kubectl run renders (_shared): kustomize's cost grows faster than its
# objects (2,008 skeletons: 20 CPU-s, 128 of them: 0.14), and a skeleton run renders again when any
# of its files changed.
PROBE_BUCKETS = 4
# Go's collector for a run of a few dozen files, unless the environment sets its own: 18% less CPU
# for a run (measured at 1,000 services) at about 100 MB resident instead of 77. A whole rendering
# (kustomize.py) keeps Go's default: it holds 1.6 GB at 1,000 services.
GOGC = "400"
CACHE_KIND = "kustomize.chunk"
INERT_KIND = "kustomize.inert"
SKELETON_KIND = "kustomize.skeleton"
SKELETON_KEYS = ("apiVersion", "kind", "metadata")  # all a PER_OBJECT transformer reads or writes of an INERT object
OTHER_NAMES = ("kustomization.yml", "Kustomization")  # kustomize refuses a directory holding two
_TOP_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(?: |$)")
_HEAD_KEYS = ("apiVersion", "kind", "metadata")
_SEPARATOR_END = re.compile(r"[ \t]*\n")  # after `---` at the start of a line: a document separator


@dataclass
class Node:
    """One kustomization: its directory (out-relative), its text without `resources`, its files
    (out-relative, in the order listed) and the directories it lists."""
    directory: str
    head: str
    files: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Spec:
    """What one kubectl run renders: a kustomization's text without resources, the kustomizations
    it lists (nested as in the tree) and the files it lists, out-relative (their skeletons, when
    `skeleton`: see _skeleton)."""
    head: str
    children: tuple[Spec, ...]
    files: tuple[str, ...]
    skeleton: bool = False


class NotChunkable(Exception):
    """The tree uses something this module does not compose: render it whole."""


def plan(out: Path, roots: list[str]) -> dict[str, Node] | None:
    """Every kustomization the roots read, or None when any of them is outside what chunks compose."""
    nodes: dict[str, Node] = {}
    real = Path(os.path.realpath(out))
    try:
        for root in roots:
            _visit(out, real, root, nodes, ())
            reached = [chain[-1].directory for chain in _chains(nodes, root, ())]
            if len(reached) != len(set(reached)):
                raise NotChunkable(f"{root}: reads a kustomization twice")
    except (NotChunkable, OSError, UnicodeDecodeError, yamlio.YAMLError):
        return None
    return nodes


def _visit(out: Path, real: Path, directory: str, nodes: dict[str, Node], stack: tuple[str, ...]) -> None:
    if directory in stack:
        raise NotChunkable(f"{directory}: a cycle")
    if directory in nodes:
        return
    path = f"{directory}/{names.KUSTOMIZATION}"
    _plain(out, real, path)
    if any((out / directory / other).exists() for other in OTHER_NAMES):
        raise NotChunkable(f"{directory}: more than one kustomization file")
    text = (out / path).read_text(encoding="utf-8")
    spec = yamlio.load(text)
    kind = spec.get("kind", "Kustomization") if isinstance(spec, dict) else None
    if kind != "Kustomization" or not set(spec) <= PER_OBJECT:
        raise NotChunkable(f"{path}: not a per-object kustomization")
    resources = spec.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, str) and r for r in resources):
        raise NotChunkable(f"{path}: resources")
    node = Node(directory, _without_resources(text, spec))
    for resource in resources:
        target = os.path.normpath(os.path.join(directory, resource))
        if "://" in resource or os.path.isabs(resource) or target.startswith(".."):
            raise NotChunkable(f"{path}: {resource!r} is not in the tree")
        if (out / target).is_dir():
            node.children.append(target)
        elif target.startswith(directory + "/"):  # kustomize's default load restrictor: under its root
            _plain(out, real, target)
            node.files.append(target)
        else:
            raise NotChunkable(f"{path}: {resource!r}")
    nodes[directory] = node
    for child in node.children:
        _visit(out, real, child, nodes, (*stack, directory))


def _plain(out: Path, real: Path, rel: str) -> None:
    """A regular file reached through no symlink: what kubectl reads is the file at this path."""
    if not (out / rel).is_file() or Path(os.path.realpath(out / rel)) != real / rel:
        raise NotChunkable(f"{rel}: missing, not a file, or through a symlink")


def _without_resources(text: str, spec: dict) -> str:
    """The kustomization's text with its top-level `resources` block cut out, every other byte kept;
    refused unless what is left parses as the same kustomization without resources."""
    lines = text.splitlines(keepends=True)
    kept, skipping, keys = [], False, []
    for line in lines:
        top = line[:1] not in (" ", "\t", "\n", "\r", "#", "-")
        if top:
            key = _TOP_LINE.match(line)
            if key is None or key[1] in keys:  # a key twice: which one YAML readers keep differs
                raise NotChunkable("a top-level line that is not a plain key, or a key twice")
            keys.append(key[1])
            skipping = key[1] == "resources"
        if not skipping:
            kept.append(line)
    head = "".join(kept)
    if head and not head.endswith("\n"):
        head += "\n"
    rest = {k: v for k, v in spec.items() if k != "resources"}
    if (yamlio.load(head) or {}) != rest:
        raise NotChunkable("the kustomization cannot be cut at its resources")
    return head


def chunks(out: Path, nodes: dict[str, Node], root: str, inert=None) -> list[Spec]:
    """The root's files cut into kubectl runs: the files of INERT kinds of each kustomization by a
    hash of their path into buckets (a file added or removed moves no other), each run nesting them
    in the kustomizations above them; every other file of the root in one run of the whole nesting,
    so every name reference between them resolves within one build."""
    inert = inert or (lambda rel: _inert((out / rel).read_bytes()))
    found, kinds = [], {}
    for chain in _chains(nodes, root, ()):
        node = chain[-1]
        buckets: dict[int, list[str]] = {}
        for rel in node.files:
            kinds[rel] = inert(rel)
            if kinds[rel]:
                buckets.setdefault(_bucket(rel, node), []).append(rel)
        for _, files in sorted(buckets.items()):
            spec = Spec(node.head, (), tuple(files))
            for above in reversed(chain[:-1]):
                spec = Spec(above.head, (spec,), ())
            found.append(spec)
    rest = _restricted(nodes, root, lambda rel: not kinds[rel])
    return found + ([rest] if rest is not None else [])


def _bucket(rel: str, node: Node) -> int:
    """The bucket of a file: a hash of its path, over a power of two of buckets near FILES_PER_CHUNK
    files each."""
    return int(digest(rel.encode())[:8], 16) % (1 << (len(node.files) // FILES_PER_CHUNK).bit_length())


def _chains(nodes: dict[str, Node], directory: str, above: tuple[Node, ...]) -> list[tuple[Node, ...]]:
    chain = (*above, nodes[directory])
    return [chain] + [c for child in nodes[directory].children for c in _chains(nodes, child, chain)]


def _restricted(nodes: dict[str, Node], directory: str, keep) -> Spec | None:
    node = nodes[directory]
    children = tuple(c for c in (_restricted(nodes, child, keep) for child in node.children) if c is not None)
    files = tuple(rel for rel in node.files if keep(rel))
    return Spec(node.head, children, files) if children or files else None


def _inert(data: bytes) -> bool:
    """Whether every object of the file is of an INERT kind and carries no kustomize annotation or
    label (a `needs-hash` annotation renames an object, and its references with it)."""
    return _facts(data)[0]


def _facts(data: bytes) -> tuple[bool, str | None]:
    """_inert of the file, and its skeleton when it is inert and has one."""
    try:
        text = data.decode("utf-8")
        objects = committed.k8s_objects({"k8s/x.yaml": text})["k8s/x.yaml"]
    except (UnicodeDecodeError, yamlio.YAMLError):
        return False, None
    if not objects or not all(_inert_object(o.body) for o in objects):
        return False, None
    return True, _skeleton(text, [o.body for o in objects])


def _skeleton(text: str, bodies: list) -> str | None:
    """The file with each document cut to its first lines, up to the first top-level key that is not
    in SKELETON_KEYS: the bytes of its apiVersion, kind and metadata as written. None unless every
    document starts with those keys and the cut reads as the objects' own (a cut inside a quoted
    value leaves a quote open: kubectl refuses the skeleton, and nothing is shared)."""
    cut = []
    for document in documents(text):
        kept = []
        for line in document.splitlines(keepends=True):
            key = _TOP_LINE.match(line) if line[:1] not in (" ", "\t", "\n", "#", "-") else None
            if key is not None and key[1] not in SKELETON_KEYS:
                break
            if line[:1] not in (" ", "\t", "\n", "#", "-") and key is None:
                return None  # a line at the margin that is not a plain key
            kept.append(line)
        cut.append("".join(kept))
    skeleton = "---\n".join(part if part.endswith("\n") or not part else part + "\n" for part in cut)
    try:
        heads = [doc for doc in yamlio.load_all(skeleton) if doc is not None]
    except yamlio.YAMLError:
        return None
    wanted = [{k: body[k] for k in SKELETON_KEYS if k in body} for body in bodies]
    return skeleton if heads == wanted else None


def _inert_object(body) -> bool:
    if not isinstance(body, dict) or body.get("kind") not in INERT or not isinstance(body.get("metadata"), dict):
        return False
    meta = body["metadata"]
    keys = [k for field in ("annotations", "labels") if isinstance(meta.get(field), dict) for k in meta[field]]
    return all(isinstance(k, str) and "config.k8s.io" not in k and "config.kubernetes.io" not in k for k in keys)


def render(tool: str, out: Path, nodes: dict[str, Node], roots: list[str]) -> list[tuple[Result, str]]:
    """Each root's (result, stream), as `kubectl kustomize <root>` gives them. A run shared by
    several roots (the same kustomizations' text over the same files) is rendered once, and so is
    a bucket that several nestings render alike (_shared)."""
    store, files = ResultCache.of(out), Files(out)
    version = tool_version(tool, "version", "--client")
    inert = _Inert(store, files)
    per_root = {root: chunks(out, nodes, root, inert) for root in roots}
    specs = list(dict.fromkeys(spec for found in per_root.values() for spec in found))
    keys = {spec: store.key(CACHE_KIND, version, _canonical(spec, files)) for spec in specs}
    same = _shared(tool, out, nodes, specs, inert, lambda spec: store.key(SKELETON_KIND, version,
                                                                            _canonical(spec, files)), store)
    inert.save()
    done = _runs(tool, out, list(dict.fromkeys(same.get(spec, spec) for spec in specs)), keys, store)
    store.prune((CACHE_KIND, INERT_KIND, SKELETON_KIND))
    return [_compose(root, [done[same.get(spec, spec)] for spec in found]) for root, found in per_root.items()]


def _runs(tool: str, out: Path, specs: list[Spec], keys: dict, store: ResultCache, inert=None) -> dict[Spec, dict]:
    """Each spec's kubectl result, from the cache or rendered (as many at once as there are cores:
    each run is CPU-bound); only a run that passed is recorded."""
    done = {spec: store.get(keys[spec]) for spec in specs}
    todo = [spec for spec, hit in done.items() if not _valid(hit)]
    with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
        for spec, result in zip(todo, pool.map(lambda spec: _kubectl(tool, out, spec, inert), todo), strict=True):
            done[spec] = result
            if result["ok"]:
                store.put(keys[spec], result)
    return done


def _leaf(spec: Spec) -> Spec | None:
    """The one kustomization with files at the bottom of a bucket's run (a chain of single children)."""
    while spec.children and not spec.files and len(spec.children) == 1:
        spec = spec.children[0]
    return spec if spec.files and not spec.children else None


def _shared(tool: str, out: Path, nodes: dict[str, Node], specs: list[Spec], inert, key, store) -> dict[Spec, Spec]:
    """Runs of one bucket's files in different nestings that render them alike: each mapped to one
    of them, rendered once.

    k8s/ lists base without transforming, the overlays list it under their own namespace and labels
    (the same as base's, in what obsgen writes): two nestings, so cut apart as before each renders
    base's every file. Which nesting renders an INERT object how depends on its apiVersion, kind and
    metadata alone, and changes its metadata alone (kustomize's field specs of namespace, labels,
    commonLabels and commonAnnotations name other paths only for workload kinds, Services and the
    like). So kubectl renders each nesting over the skeletons of all of the kustomization's inert
    files (their first lines, apiVersion to metadata: a few hundred bytes an object, _skeleton), and
    nestings whose skeleton streams are byte for byte the same print every full object alike (no
    transformer allowed renames: equal streams pair each object with itself); their bucket runs are
    then one run. Any skeleton missing or refused, or streams that differ: nothing is shared.
    """
    owner = {rel: directory for directory, node in nodes.items() for rel in node.files}
    groups: dict[Spec, list[Spec]] = {}
    for spec in specs:
        leaf = _leaf(spec)
        if leaf is not None and all(inert(rel) for rel in leaf.files):
            groups.setdefault(leaf, []).append(spec)
    probes: dict[Spec, Spec] = {}
    for leaf, nestings in groups.items():
        node = nodes[owner[leaf.files[0]]]
        probe = _bucket(leaf.files[0], node) // PROBE_BUCKETS
        wanted = [rel for rel in node.files if inert(rel) and _bucket(rel, node) // PROBE_BUCKETS == probe]
        if len(nestings) < 2 or not all(inert.skeleton(rel) is not None for rel in wanted):
            continue
        for spec in nestings:
            probes[spec] = _with_leaf(spec, Spec(leaf.head, (), tuple(wanted), skeleton=True))
    skeletons = list(dict.fromkeys(probes.values()))
    seen = _runs(tool, out, skeletons, {probe: key(probe) for probe in skeletons}, store, inert)
    same = {}
    for nestings in groups.values():
        by_stream: dict[str, Spec] = {}
        for spec in sorted(nestings, key=lambda s: key(s)):
            probe = seen.get(probes.get(spec))
            if probe is not None and probe["ok"]:
                same[spec] = by_stream.setdefault(json.dumps(probe["docs"]), spec)
    return same


def _with_leaf(spec: Spec, leaf: Spec) -> Spec:
    return Spec(spec.head, (_with_leaf(spec.children[0], leaf),), ()) if spec.children else leaf


class _Inert:
    """_facts of each file, once a run, and across runs by the file's sha256 (one cache entry)."""

    def __init__(self, store: ResultCache, files: Files):
        self.store, self.files, self.key = store, files, store.key(INERT_KIND)
        before = store.get(self.key)
        self.before = before if isinstance(before, dict) else {}
        self.now: dict[str, list] = {}

    def facts(self, rel: str) -> list:
        sha = self.files.digest(rel)
        if sha not in self.now:
            known = self.before.get(sha)
            valid = isinstance(known, list) and len(known) == 2 and isinstance(known[0], bool) \
                and (known[1] is None or isinstance(known[1], str))
            self.now[sha] = known if valid else list(_facts(self.files.read(rel)))
            self.files.forget(rel)
        return self.now[sha]

    def __call__(self, rel: str) -> bool:
        return self.facts(rel)[0]

    def skeleton(self, rel: str) -> str | None:
        return self.facts(rel)[1]

    def save(self) -> None:
        if self.now != self.before:
            self.store.put(self.key, self.now)


def _canonical(spec: Spec, files: Files) -> str:
    """The bytes kubectl reads for a run, named: each kustomization's text, each file's path and sha256."""
    return json.dumps([spec.head, [_canonical(c, files) for c in spec.children],
                       [[rel, files.digest(rel)] for rel in spec.files]] + (["skeleton"] if spec.skeleton else []))


def _valid(hit) -> bool:
    return isinstance(hit, dict) and hit.get("ok") is True and isinstance(hit.get("docs"), list)


def _write(out: Path, spec: Spec, directory: Path, inert=None) -> None:
    """The run's kustomizations in a scratch folder, nested as in the tree, files by absolute path
    (load restrictions off: the plan already holds every file under its own kustomization); a
    skeleton run's files written beside its kustomization."""
    directory.mkdir()
    listed = [f"c{i}" for i in range(len(spec.children))]
    if spec.skeleton:
        for i, rel in enumerate(spec.files):
            (directory / f"s{i}.yaml").write_text(inert.skeleton(rel), encoding="utf-8")
        listed += [f"s{i}.yaml" for i in range(len(spec.files))]
    else:
        listed += [str((out / rel).absolute()) for rel in spec.files]
    resources = "".join(f"- {json.dumps(entry)}\n" for entry in listed)
    (directory / names.KUSTOMIZATION).write_text(spec.head + "resources:\n" + resources, encoding="utf-8")
    for i, child in enumerate(spec.children):
        _write(out, child, directory / f"c{i}", inert)


def _kubectl(tool: str, out: Path, spec: Spec, inert=None) -> dict:
    with tempfile.TemporaryDirectory(prefix="obsgen-kustomize-") as scratch:
        _write(out, spec, Path(scratch, "k"), inert)
        proc = subprocess.run([tool, "kustomize", "--load-restrictor=LoadRestrictionsNone", str(Path(scratch, "k"))],
                              capture_output=True, text=True, check=False, env={"GOGC": GOGC, **os.environ})
    if proc.returncode != 0:
        return {"ok": False, "error": proc.stderr.strip()}
    return {"ok": True, "docs": [[_id(doc), doc] for doc in documents(proc.stdout) if doc]}


def documents(stream: str) -> list[str]:
    """The stream cut at each line `---` (trailing blanks allowed), as re.split(r"^---[ \\t]*\\n",
    stream, flags=re.MULTILINE) cuts it, five times faster: str.find jumps to each `---`."""
    found, start, at = [], 0, stream.find("---")
    while at != -1:
        end = _SEPARATOR_END.match(stream, at + 3) if at == 0 or stream[at - 1] == "\n" else None
        if end:
            found.append(stream[start:at])
            start = end.end()
            at = stream.find("---", start)
        else:
            at = stream.find("---", at + 1)
    found.append(stream[start:])
    return found


def _id(document: str) -> list[str]:
    """[group, version, kind, namespace, name] of one document kubectl printed."""
    head = yamlio.load(_head(document)) or {}
    meta = head.get("metadata") or {}
    group, _, version = str(head.get("apiVersion", "")).rpartition("/")
    return [group, version, str(head.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name") or "")]


def _head(document: str) -> str:
    """The apiVersion, kind and metadata blocks of a document as kubectl prints it (top-level keys
    at column 0, values indented); the whole document when it is laid out otherwise."""
    kept, keep = [], False
    for line in document.splitlines(keepends=True):
        if line[:1] not in (" ", "-", "\n"):
            key = _TOP_LINE.match(line)
            if key is None:
                return document
            keep = key[1] in _HEAD_KEYS
        if keep:
            kept.append(line)
    return "".join(kept)


def _compose(root: str, parts: list[dict]) -> tuple[Result, str]:
    """The root's stream from its runs' objects: an error on two objects with one id (kustomize
    refuses them when they meet, and a transformer never makes two ids differ), in legacy order."""
    command = ("kubectl", "kustomize", root)
    errors = list(dict.fromkeys(p["error"] for p in parts if not p["ok"]))
    if errors:
        return Result(command, False, "\n".join(errors)), ""
    docs = [(tuple(i), text) for p in parts for i, text in p["docs"]]
    seen = set()
    for group, _, kind, namespace, name in (ident for ident, _ in docs):
        key = (group, kind, namespace or "default", name)
        if key in seen:
            return Result(command, False, f"{root}: may not add resource with an already registered id: "
                                          f"{kind} {name!r} in namespace {namespace or 'default'!r}"), ""
        seen.add(key)
    docs.sort(key=functools.cmp_to_key(lambda a, b: -1 if _before(a[0], b[0]) else 1 if _before(b[0], a[0]) else 0))
    return Result(command, True, ""), "---\n".join(text for _, text in docs)


# kustomize's legacy order (api/internal/builtins/SortOrderTransformer.go and kyaml/resid/gvk.go)
_FIRST = ("Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
          "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
          "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
          "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget")
_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
_ORDER = {**{k: i - len(_FIRST) for i, k in enumerate(_FIRST)}, **{k: 1 + i for i, k in enumerate(_LAST)}}


def _gvk_string(group: str, version: str, kind: str) -> str:  # Gvk.String()
    return ".".join((kind or "[noKind]", version or "[noVer]", group or "[noGrp]"))


def _legacy_gvk(group: str, version: str, kind: str) -> str:
    return "_".join((group or "~G", version or "~V", kind or "~K"))


def _before(a: tuple, b: tuple) -> bool:
    """Whether kustomize's legacy order prints object id a before b: kinds by their rank, then the
    group-version-kind, then namespace and name."""
    if a[:3] != b[:3]:
        rank_a, rank_b = _ORDER.get(a[2], 0), _ORDER.get(b[2], 0)
        if rank_a != rank_b:
            return rank_a < rank_b
        if a[2] == b[2] == "Namespace" and (a[0] == "" or b[0] == ""):
            return _legacy_gvk(*a[:3]) > _legacy_gvk(*b[:3])
        return _legacy_gvk(*a[:3]) < _legacy_gvk(*b[:3])
    return "|".join((_gvk_string(*a[:3]), a[3] or "~X", a[4] or "~N")) < \
        "|".join((_gvk_string(*b[:3]), b[3] or "~X", b[4] or "~N"))
