"""Mermaid diagrams of each environment's collector pipelines, drawn from the generated configs.

The "Collector pipelines" section of docs/outputs/otel-collector.md is `docs_section(plan)`;
tests/render/otel checks it is current. Regenerate it with
`python tools/otel_diagram.py [SPEC_DIR] [PAGE]` (a tool above the pipeline: the renderers
never run it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from obsgen.plan.model import Plan
from obsgen.render.otel import config

PAGE = "docs/outputs/otel-collector.md"

START, END = "<!-- otel-pipelines:start -->", "<!-- otel-pipelines:end -->"


def _node(role: str, ident: str) -> str:
    return f"{role}_" + re.sub(r"[^A-Za-z0-9]", "_", ident)


def _pipelines(role: str, cfg: dict, lines: list[str]) -> None:
    connectors = list(cfg.get("connectors", {}))  # config order: output must not depend on hashing
    lines.append(f"  subgraph {role}")
    for ident in [*cfg["receivers"], *cfg["exporters"], *connectors]:
        shape = ("{{", "}}") if ident in connectors else ("[", "]")
        lines.append(f'    {_node(role, ident)}{shape[0]}"{ident}"{shape[1]}')
    for name, pipe in cfg["service"]["pipelines"].items():
        steps = " → ".join(pipe["processors"])
        lines.append(f'    {_node(role, "pipeline " + name)}("{name}<br/>{steps}")')
        lines += [f"    {_node(role, r)} --> {_node(role, 'pipeline ' + name)}" for r in pipe["receivers"]]
        lines += [f"    {_node(role, 'pipeline ' + name)} --> {_node(role, e)}" for e in pipe["exporters"]]
    lines.append("  end")


def mermaid(agent: dict, gateway: dict) -> str:
    lines = ["flowchart LR", '  apps(["applications"])']
    _pipelines("agent", agent, lines)
    _pipelines("gateway", gateway, lines)
    receiver = next(iter(gateway["receivers"]))
    lines.append(f"  apps --> {_node('agent', next(iter(agent['receivers'])))}")
    lines += [f"  {_node('agent', e)} --> {_node('gateway', receiver)}" for e in agent["exporters"]]
    return "\n".join(lines) + "\n"


def docs_section(plan: Plan) -> str:
    telemetry = plan.telemetry
    parts = [START, ""]
    for env in telemetry.environments:
        parts += [f"**{env.name}** ({', '.join(env.services) or 'no services'})", "", "```mermaid",
                  mermaid(config.agent(telemetry, env), config.gateway(telemetry, env)).rstrip("\n"), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def update_page(page: Path, plan: Plan) -> bool:
    text = page.read_text()
    start, end = text.index(START), text.index(END) + len(END)
    new = text[:start] + docs_section(plan) + text[end:]
    if new != text:
        page.write_text(new)
    return new != text

