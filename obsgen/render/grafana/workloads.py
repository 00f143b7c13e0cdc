"""The pods of named workloads, joined on kube-state-metrics' owner series, as the Kubernetes mixin
joins them (its `namespace_workload_pod:kube_pod_owner:relabel` rule, written inline here so that
no extra rule is needed).

A name prefix (`pod=~"(checkout)-.+"`) also matches every pod of `checkout-worker`. The owner
series say exactly which pods a workload has: `kube_pod_owner` names a pod's controller (a
StatefulSet, DaemonSet or Job directly; a Deployment through a ReplicaSet), and
`kube_replicaset_owner` names the Deployment of a ReplicaSet. `max by` makes each side one series
per key, whatever the number of kube-state-metrics replicas or scrape jobs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from obsgen import names
from obsgen.render.grafana.queries import RATE, by, literal, regex_alternatives, selector

POD, NAMESPACE, CONTAINER = "pod", "namespace", "container"  # cAdvisor's and kube-state-metrics' labels
OWNER_KIND, OWNER_NAME, REPLICASET = "owner_kind", "owner_name", "replicaset"


class Pods:
    """Queries over the pods of `workloads` in `namespace`; `environment` is the variable matcher
    (label -> variable) every selector carries and every join keeps, empty per cluster."""

    def __init__(self, namespace: str, workloads: Sequence[str], environment: Mapping[str, str]):
        self.namespace = namespace
        self.names = regex_alternatives(workloads)
        self.env = dict(environment)
        self.keys = (NAMESPACE, POD, *self.env)

    def _sel(self, metric: str, *matchers: tuple[str, str, str]) -> str:
        return selector(metric, [(NAMESPACE, "=", self.namespace), *matchers], self.env)

    def owned(self) -> str:
        """1 for each pod of the workloads, labelled by namespace and pod (and environment)."""
        direct = self._sel(names.KUBE_POD_OWNER, (OWNER_KIND, "!=", "ReplicaSet"), (OWNER_NAME, "=~", self.names))
        replicasets = self._sel(names.KUBE_REPLICASET_OWNER, (OWNER_KIND, "=", "Deployment"),
                                (OWNER_NAME, "=~", self.names))
        # the ReplicaSet's name where its pods' owner_name has it: the join key of the two series
        as_owner = f"label_replace({replicasets}, {literal(OWNER_NAME)}, {literal('$1')}, {literal(REPLICASET)}, " \
                   f"{literal('(.*)')})"
        rs_keys = (NAMESPACE, OWNER_NAME, *self.env)
        via_deployment = (f"{self._sel(names.KUBE_POD_OWNER, (OWNER_KIND, '=', 'ReplicaSet'))} "
                          f"* on ({', '.join(rs_keys)}) group_left () max {by(*rs_keys)} ({as_owner})")
        return f"max {by(*self.keys)} ({direct} or {via_deployment})"

    def _join(self, expr: str) -> str:
        return f"{expr} * on ({', '.join(self.keys)}) group_left () {self.owned()}"

    def rate(self, metric: str) -> str:
        """Per container series of a cAdvisor counter (the pod-level sums, container="", left out)."""
        return self._join(f"rate({self._sel(metric, (CONTAINER, '!=', ''))}[{RATE}])")

    def of(self, metric: str) -> str:
        return self._join(self._sel(metric, (CONTAINER, "!=", "")))

    def increase(self, metric: str, window: str) -> str:
        return self._join(f"increase({self._sel(metric)}[{window}])")
