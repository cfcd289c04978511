"""Running a notebook of notebooks/ in a real Jupyter kernel against the test database."""

from pathlib import Path

import nbformat
from django.conf import settings
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def database_url() -> str:
    """The test database as a DATABASE_URL the notebook's kernel can connect to."""
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def execute(name: str, cwd: Path = NOTEBOOKS, timeout: int = 120):
    """Execute notebooks/<name> in cwd; the executed notebook and everything its code cells printed."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    printed = "".join(
        out.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    return notebook, printed
