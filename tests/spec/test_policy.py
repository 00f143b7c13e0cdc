import pytest

from obsgen.spec import models
from obsgen.spec.policy import pages


def service(tier: int, environments: list[str], page: bool | None = None) -> models.Service:
    alerting = {} if page is None else {"page": page}
    return models.Service.model_validate({
        "apiVersion": "obsgen/v1", "kind": "Service",
        "metadata": {"name": "svc", "team": "t", "tier": tier},
        "spec": {"environments": environments,
                 "slos": [{"name": "a", "objective": 99, "sli": {"spans": {"span_name": "x"}},
                           "alerting": alerting}]},
    })


@pytest.mark.parametrize(("tier", "environments", "page", "expected"), [
    (1, ["production"], None, True),
    (2, ["staging", "production"], None, True),
    (3, ["production"], None, False),  # tier 3 never pages
    (3, ["production"], True, False),
    (1, ["staging"], None, False),  # only production pages
    (1, ["production"], False, False),
])
def test_who_pages(tier, environments, page, expected):
    assert pages(service(tier, environments, page), 0) is expected
