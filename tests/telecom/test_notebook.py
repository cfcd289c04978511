"""notebooks/coverage.ipynb reproduces the village coverage figures from the database."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from django.conf import settings
from nbclient import NotebookClient

from layers.telecom import coverage

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "coverage.ipynb"


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_coverage_notebook_reproduces_the_run_figures(dem_asset, tower, district, monkeypatch):
    run = coverage.execute(coverage.start({}, enqueue=False).pk)
    expected = coverage.figures(run)
    monkeypatch.setenv("DATABASE_URL", _database_url())
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    printed = "".join(
        out.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    figures = json.loads(printed.split("FIGURES ", 1)[1].splitlines()[0])
    assert figures["run"] == run.pk and figures["villages"] == 2
    assert figures["covered_by_3g4g"] == expected["covered_by_3g4g"] == 1
    assert figures["per_operator_technology"] == expected["per_operator_technology"]
    assert "Thôn shadowed" in printed and "terrain shadow" in printed
