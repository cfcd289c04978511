"""The raster catalogue sits below ingest/ and layers/: no import cycle between the packages."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> dict[str, set[str]]:
    """Module path → every module it imports (absolute names; relative ones resolved)."""
    found = {}
    for file in (ROOT / package).rglob("*.py"):
        if "migrations" in file.parts:
            continue
        module = ".".join(file.relative_to(ROOT).with_suffix("").parts)
        names = set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = module.split(".")[: -node.level]
                    base = ".".join([*parent, base] if base else parent)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
        found[module] = names
    return found


def test_the_raster_catalogue_imports_neither_ingest_nor_layers():
    graph = imports("rasterstore")
    assert graph, "no modules found"
    bad = {m: sorted(n for n in names if n.split(".")[0] in {"ingest", "layers"}) for m, names in graph.items()}
    assert not {m: n for m, n in bad.items() if n}


def test_layers_read_rasters_from_the_catalogue_not_from_ingest():
    graph = imports("layers")
    moved = ("ingest.rasters", "ingest.models.RasterAsset")
    offenders = {m: sorted(n for n in names if n.startswith(moved)) for m, names in graph.items()}
    assert not {m: n for m, n in offenders.items() if n}
    # The modules that used to import ingest for rasters now import the catalogue.
    assert "rasterstore.models.RasterAsset" in graph["layers.telecom.terrain"]
    assert "rasterstore.models.RasterAsset" in graph["layers.web.basemap"]
