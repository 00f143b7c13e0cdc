"""The README's routing tables are what the plan of the bundled examples says."""

import re

from obsgen.render.alertmanager.cases import delivery_table, receiver_table
from tests.conftest import ROOT


def test_readme_routing_tables_are_current(example_plan):
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- routing-table:begin -->\n(.*)<!-- routing-table:end -->", readme, re.S)
    assert found, "the README lost its routing-table markers"
    assert found[1] == delivery_table(example_plan) + "\n" + receiver_table(example_plan), \
        "README routing tables are stale: regenerate them from obsgen.render.alertmanager.cases"
