"""Sloth-style alert labels and annotations are Go templates, kept as the user wrote them (Sloth
users template them): one Prometheus cannot parse would stop it loading the rule file, so it is
an error at its own line (obsgen-style alerts escape user text instead, see gotemplate.literal)."""

from __future__ import annotations

from obsgen import gotemplate
from obsgen.errors import SpecError
from obsgen.spec.load import Specs
from obsgen.spec.models import PlatformSpec
from obsgen.spec.policy import alert_style


def check(specs: Specs) -> list[SpecError]:
    platform = specs.platform.model.spec if specs.platform else PlatformSpec()
    errors = []
    for svc in specs.services:
        for i, slo in enumerate(svc.model.spec.slos):
            if alert_style(slo, platform) != "sloth":
                continue
            alerting = slo.alerting
            for path, fields in ((("alerting",), alerting),
                                 (("alerting", "page_alert"), alerting.page_alert),
                                 (("alerting", "ticket_alert"), alerting.ticket_alert)):
                for kind in ("labels", "annotations"):
                    for key, value in getattr(fields, kind).items():
                        found = gotemplate.problem(value)
                        if found:
                            errors.append(SpecError(svc.at("spec", "slos", i, *path, kind, key),
                                                    f"not a Go template Prometheus can load: {found}"))
    return errors
