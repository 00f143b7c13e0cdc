"""Verifiers: one module per real tool, each judging the generated tree as that tool would.

A verifier is `verify(out: Path) -> list[Result]`; `obsgen test` runs every one in VERIFIERS and
fails when any result is not ok. Adding an output with a real judge means adding its module here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from obsgen.verify.result import Result

Verifier = Callable[[Path], list[Result]]


def _promtool(out: Path) -> list[Result]:
    from obsgen.verify import promtool

    return promtool.verify(out)


def _otelcol(out: Path) -> list[Result]:
    from obsgen.verify import otelcol

    return otelcol.verify(out)


def _amtool(out: Path) -> list[Result]:
    from obsgen.verify import amtool

    return amtool.verify(out)


def _grafana(out: Path) -> list[Result]:
    from obsgen.verify import grafana

    return grafana.verify(out)


def _kustomize(out: Path) -> list[Result]:
    from obsgen.verify import kustomize

    return kustomize.verify(out)


def _rulers(out: Path) -> list[Result]:
    from obsgen.verify import rulers

    return rulers.verify(out)


def _seams(out: Path) -> list[Result]:
    from obsgen.verify import seams

    return seams.verify(out)


def _k8s_sizes(out: Path) -> list[Result]:
    from obsgen.verify import k8s_sizes

    return k8s_sizes.verify(out)


# name -> verifier; imported lazily so `obsgen generate` never pays for them.
VERIFIERS: dict[str, Verifier] = {
    "promtool": _promtool,
    "otelcol": _otelcol,
    "amtool": _amtool,
    "grafana": _grafana,
    "kustomize": _kustomize,
    "rulers": _rulers,  # alerts/mimir/, alerts/amp/ when generated
    "seams": _seams,  # the files against each other (verify/seams.py)
    "k8s-sizes": _k8s_sizes,  # k8s/ objects against the API server's limits
}

__all__ = ["VERIFIERS", "Result", "Verifier"]
