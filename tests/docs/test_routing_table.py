"""The Alertmanager page's routing tables are what the plan of the bundled examples says."""

import re

from obsgen.render.alertmanager.cases import delivery_table, receiver_table
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "outputs" / "alertmanager.md"


def test_routing_tables_are_current(example_plan):
    page = PAGE.read_text()
    found = re.search(r"<!-- routing-table:begin -->\n(.*)<!-- routing-table:end -->", page, re.S)
    assert found, f"{PAGE.relative_to(ROOT)} lost its routing-table markers"
    assert found[1] == delivery_table(example_plan) + "\n" + receiver_table(example_plan), \
        "routing tables are stale: regenerate them from obsgen.render.alertmanager.cases"
