"""notebooks/coverage.ipynb reproduces the village coverage figures from the database."""

from __future__ import annotations

import json

import pytest

from layers.telecom import coverage
from tests import notebooks


@pytest.mark.django_db(transaction=True)
def test_coverage_notebook_reproduces_the_run_figures(dem_asset, tower, district, monkeypatch):
    run = coverage.execute(coverage.start({}, enqueue=False).pk)
    expected = coverage.figures(run)
    monkeypatch.setenv("DATABASE_URL", notebooks.database_url())
    _notebook, printed = notebooks.execute("coverage.ipynb")
    figures = json.loads(printed.split("FIGURES ", 1)[1].splitlines()[0])
    assert figures["run"] == run.pk and figures["villages"] == 2
    assert figures["covered_by_3g4g"] == expected["covered_by_3g4g"] == 1
    assert figures["per_operator_technology"] == expected["per_operator_technology"]
    assert "Thôn shadowed" in printed and "terrain shadow" in printed
