"""The recording rules of a plan in passes: a rule's inputs all come from earlier passes.

promtool and Prometheus' query API only read series the server already holds, so a rule that
reads recorded series (every window reads the 5m rates, the period reads the hour sums...) can be
evaluated over the past only once the passes before it are loaded. Alerting rules are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import names, promql
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules, rollups


@dataclass(frozen=True)
class Tail:
    """An hour sum recorded at or after --end for an hour that began before it: the backfill writes
    the sum of the copies it owns (those before --end), see obsgen/backfill/run.py. One rule records
    both parities' sums; the tail's is that of the hour --end falls in."""

    record: str
    labels: tuple[tuple[str, str], ...]
    copies: tuple[tuple[str, str], ...]  # (parity, the selector of that parity's copies the sum adds up)


@dataclass(frozen=True)
class Pass:
    number: int
    groups: tuple[dict, ...]  # rule groups holding only this pass's recording rules (with their interval)
    records: tuple[str, ...]  # a selector per series this pass writes (name{sloth_id="..."})
    tails: tuple[Tail, ...] = ()


def reads(expr: str) -> set[tuple[str, str | None]]:
    """(series name, sloth_id it selects or None) for every selector of an expression."""
    found = set()
    for selector in promql.vector_selectors(expr):
        ids = [m.value for m in selector.matchers.matchers if m.name == names.SLOTH_ID and str(m.op) == "MatchOp.Equal"]
        found.add((selector.name, ids[0] if ids else None))
    return found


HOUR_SUMS = {names.hour_sum(kind): kind for kind in ("error", "total", *names.SLICE_KINDS)}


def _hour_sum_of(rule: dict) -> str | None:
    """The kind of an hour sum rule, None for any other rule."""
    return HOUR_SUMS.get(rule.get("record"))


def _without_self_reads(slo, group: dict) -> dict:
    """The hour sums as recorded at each hour's first minute: live, they look for their own earlier
    sample to find the hour's first evaluation, which a backfill cannot read (the server does not
    hold them yet). The backfill evaluates on a grid of whole multiples of the interval, so the
    hour's first evaluation is at minute 0."""
    rules = [{**rule, "expr": rollups.hour_sum(slo, of, self_read=False)} if (of := _hour_sum_of(rule)) else rule
             for rule in group["rules"]]
    return {**group, "rules": rules}


def _tail(slo, rule: dict) -> Tail | None:
    if not (kind := _hour_sum_of(rule)):
        return None
    copies = tuple((parity, rollups.parity_sel(slo, names.rate_in_hours(kind), parity))
                   for parity in names.HOUR_PARITIES)
    return Tail(rule["record"], tuple(sorted(rule["labels"].items())), copies)


def passes(plan: Plan) -> list[Pass]:
    """Every recording rule of the plan, in passes: a rule's inputs all come from earlier passes.

    Series names are shared by every SLO, so a rule's output is its name and its `sloth_id`."""
    owned = [(slo, _without_self_reads(slo, g)) for service in plan.services for slo in service.slos
             for g in prometheus_rules.groups_for(slo)]
    groups = [g for _, g in owned]
    rules = [(g, r, slo) for slo, g in owned for r in g["rules"] if "record" in r]
    writers: dict[tuple[str, str | None], list[int]] = {}
    for i, (_, rule, _) in enumerate(rules):
        writers.setdefault((rule["record"], rule["labels"].get(names.SLOTH_ID)), []).append(i)
        writers.setdefault((rule["record"], None), []).append(i)
    level: dict[int, int] = {}

    def depth(i: int, seen: frozenset[int] = frozenset()) -> int:
        if i in level:
            return level[i]
        if i in seen:
            raise ValueError(f"recording rule {rules[i][1]['record']} reads its own output")
        inputs = [j for key in reads(rules[i][1]["expr"]) for j in writers.get(key, ())]
        level[i] = 1 + max((depth(j, seen | {i}) for j in inputs), default=0)
        return level[i]

    for i in range(len(rules)):
        depth(i)
    out = []
    for number in range(1, max(level.values(), default=0) + 1):
        chosen = [i for i in range(len(rules)) if level[i] == number]
        picked = set(chosen)
        pass_groups = []
        for group in groups:
            kept = [r for i, (g, r, _) in enumerate(rules) if g is group and i in picked]
            if kept:
                pass_groups.append({**{k: v for k, v in group.items() if k != "rules"}, "rules": kept})
        written = {promql.selector(rules[i][1]["record"], {names.SLOTH_ID: rules[i][1]["labels"][names.SLOTH_ID]})
                   for i in chosen}
        tails = tuple(t for i in chosen if (t := _tail(rules[i][2], rules[i][1])))
        out.append(Pass(number, tuple(pass_groups), tuple(sorted(written)), tails))
    return out
