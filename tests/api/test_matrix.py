"""Every interface serves every registered layer, and each role sees exactly what it may."""

import io
import json
import zipfile

import mapbox_vector_tile
import pyogrio
import pytest

from layers import roles
from layers.api.links import EXPORT_FORMATS
from layers.registry import registry

from .conftest import ROLE_NAMES, SECRETS
from .helpers import anchor, leaks, lonlat_tile

# Written out by hand, not derived from the registry's own methods: the policy under test.
READERS_OF_PRIVATE_LAYERS = {"signal-measurements": {roles.PLANNER, roles.OPERATOR, roles.ADMIN}}
PRIVATE_FIELD_READERS = {
    "parcels": ({"holder_name"}, {roles.URBAN_STAFF, roles.OPERATOR, roles.ADMIN}),
    "complaints": (
        {"reporter_name", "reporter_phone", "reporter_email"},
        {roles.FEEDBACK_OFFICER, roles.OPERATOR, roles.ADMIN},
    ),
    "cameras": ({"stream_url"}, {roles.OPERATOR, roles.ADMIN}),
    "cell-towers": ({"cell_id"}, {roles.PLANNER, roles.OPERATOR, roles.ADMIN}),
    "signal-measurements": ({"device"}, {roles.PLANNER, roles.OPERATOR, roles.ADMIN}),
}
EDITORS = {
    "villages": {roles.PLANNER},
    "parcels": {roles.URBAN_STAFF},
    "complaints": {roles.FEEDBACK_OFFICER},
    "fire-hotspots": {roles.RANGER},
    "cell-towers": {roles.PLANNER},
    "cameras": set(),
}


def may_read(slug: str, role: str) -> bool:
    return slug not in READERS_OF_PRIVATE_LAYERS or role in READERS_OF_PRIVATE_LAYERS[slug]


def expected_fields(layer, role: str) -> set[str]:
    private, readers = PRIVATE_FIELD_READERS.get(layer.slug, (set(layer.private_fields), set()))
    assert set(layer.private_fields) == private, f"policy table out of date for {layer.slug}"
    return set(layer.public_fields) | (private if role in readers else set())


LAYERS = registry.all()


def test_the_policy_table_names_real_layers():
    slugs = {layer.slug for layer in LAYERS}
    assert set(PRIVATE_FIELD_READERS) <= slugs and set(READERS_OF_PRIVATE_LAYERS) <= slugs
    assert not registry.get("signal-measurements").public


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_catalogue_schema_and_ogc_list_exactly_the_readable_layers(world, clients, role):
    client = clients[role]
    catalogue = client.get("/api/layers/").json()["layers"]
    listed = {entry["slug"]: entry for entry in catalogue}
    collections = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    paths = client.get("/api/schema/").json()["paths"]
    ogc_paths = client.get("/ogc/api").json()["paths"]
    for layer in LAYERS:
        readable = may_read(layer.slug, role)
        assert (layer.slug in listed) is readable, (role, layer.slug)
        assert (layer.slug in collections) is readable
        assert (f"/api/layers/{layer.slug}/features/" in paths) is readable
        assert (f"/collections/{layer.slug}/items" in ogc_paths) is readable
        if readable:
            entry = listed[layer.slug]
            assert {f["name"] for f in entry["fields"]} == expected_fields(layer, role)
            assert entry["links"]["features"].endswith(f"/api/layers/{layer.slug}/features/")
            assert entry["links"]["tiles"].endswith(f"/tiles/{layer.slug}/{{z}}/{{x}}/{{y}}.pbf")
            assert entry["title"]["vi"] and entry["title"]["en"] and entry["geometry_type"] == layer.geometry_type
            assert entry["editable"] is (role in EDITORS.get(layer.slug, set()) or role == roles.ADMIN) or (
                layer.slug not in EDITORS
            )
    if role == "anonymous":
        for body in (json.dumps(catalogue).encode(), json.dumps(paths).encode()):
            assert not leaks(body, SECRETS)
            assert b"holder_name" not in body and b"stream_url" not in body and b"reporter_phone" not in body


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_features_items_tiles_and_exports_serve_every_layer_with_the_right_fields(world, clients, role):
    client = clients[role]
    for layer in LAYERS:
        slug = layer.slug
        urls = [
            f"/api/layers/{slug}/",
            f"/api/layers/{slug}/features/",
            f"/ogc/collections/{slug}",
            f"/ogc/collections/{slug}/items",
            f"/tiles/{slug}.json",
            f"/api/layers/{slug}/export.geojson",
        ]
        if not may_read(slug, role):
            urls += [f"/tiles/{slug}/14/0/0.pbf", f"/ogc/collections/{slug}/items/1", f"/api/layers/{slug}/export.csv"]
            for url in urls:
                response = client.get(url)
                assert response.status_code == 404, (role, url)
                assert response.json()["error"]["code"] == "not_found"
            continue
        fields = expected_fields(layer, role)
        for url in (
            f"/api/layers/{slug}/features/",
            f"/ogc/collections/{slug}/items",
            f"/api/layers/{slug}/export.geojson",
        ):
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.content[:200])
            collection = json.loads(response.content)
            # Layers added by later issues may have no rows in this fixture; the rest must serve some.
            assert collection["features"] or not layer.model_class.objects.exists(), f"{url} served no feature"
            for feature in collection["features"]:
                assert set(feature["properties"]) == fields, (role, url)
                assert feature["geometry"]["type"] == layer.geometry_type
        # Tiles carry the layer's tile fields (all visible ones when it declares none), never more.
        tile_fields = fields if layer.tile_fields is None else fields & set(layer.tile_fields)
        tilejson = client.get(f"/tiles/{slug}.json").json()
        assert set(tilejson["vector_layers"][0]["fields"]) == tile_fields
        if not collection["features"]:
            continue
        first = collection["features"][0]
        for url in (f"/api/layers/{slug}/features/{first['id']}/", f"/ogc/collections/{slug}/items/{first['id']}"):
            response = client.get(url)
            assert response.status_code == 200
            assert set(response.json()["properties"]) == fields
        z = max(14, layer.min_zoom)
        x, y = lonlat_tile(*anchor(layer), z)
        response = client.get(f"/tiles/{slug}/{z}/{x}/{y}.pbf")
        assert response.status_code == 200, (role, slug)
        decoded = mapbox_vector_tile.decode(response.content)[slug]["features"]
        assert decoded
        for feature in decoded:
            assert set(feature["properties"]) <= tile_fields, (role, slug)
        if role == "anonymous":
            for url in urls:
                assert not leaks(client.get(url).content, SECRETS), url
            assert not leaks(response.content, SECRETS)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_editing_needs_the_layers_edit_role(world, clients, role):
    for layer in LAYERS:
        client = clients[role]
        # A delete of a missing feature: editors get 404, others 403, anonymous 401.
        response = client.delete(f"/api/layers/{layer.slug}/features/999999/")
        if not may_read(layer.slug, role):
            expected = 404
        elif role == "anonymous":
            expected = 401
        elif (role == roles.ADMIN or role in layer.edit_roles) and not layer.derived:
            expected = 404
        else:
            expected = 403
        if layer.slug in EDITORS and role not in ("anonymous", roles.ADMIN):
            assert (expected == 404) is (role in EDITORS[layer.slug])
        assert response.status_code == expected, (role, layer.slug, response.content)
        assert "error" in response.json()
        response = client.post(f"/api/layers/{layer.slug}/features/", b"{}", content_type="application/geo+json")
        assert response.status_code in ({401, 403, 404} if expected != 404 or role == "anonymous" else {400, 404})


def _export_text(fmt: str, content: bytes, folder) -> bytes:
    """Every byte an export file holds once unpacked (zip members), plus what GDAL reads from it."""
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            archive.extractall(folder)
            raw = b"".join(archive.read(name) for name in archive.namelist())
        path = next(folder.glob("*.shp"))
    elif fmt == "csv":
        return content
    else:
        raw = content
        path = folder / f"export.{fmt}"
        path.write_bytes(content)
    frame = pyogrio.read_dataframe(path)
    return raw + frame.drop(columns="geometry").to_csv().encode() + " ".join(frame.columns).encode()


def test_anonymous_exports_in_every_format_hold_no_private_value_or_field(world, client, tmp_path):
    private_names = {name for layer in LAYERS for name in layer.private_fields}
    for layer in LAYERS:
        for fmt in EXPORT_FORMATS:
            response = client.get(f"/api/layers/{layer.slug}/export.{fmt}")
            if not layer.public:
                assert response.status_code == 404
                continue
            assert response.status_code == 200, (layer.slug, fmt, response.content[:200])
            if not layer.model_class.objects.exists():
                continue
            folder = tmp_path / layer.slug / fmt
            folder.mkdir(parents=True)
            text = _export_text(fmt, response.content, folder)
            assert not leaks(text, SECRETS), (layer.slug, fmt)
            # dBASE cuts names to 10 characters: look for those too.
            assert not [n for n in private_names if n.encode() in text or n[:10].encode() in text], (layer.slug, fmt)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_interfaces_answer_other_methods_with_405(world, clients, method):
    client = clients[roles.ADMIN]
    for url in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/villages",
        "/ogc/collections/villages/items",
        "/ogc/collections/villages/items/1",
        "/tiles/villages/14/0/0.pbf",
        "/tiles/villages.json",
        "/api/layers/villages/export.csv",
        "/api/schema/",
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 405, (method, url)
        assert response.json()["error"]["code"] == "method_not_allowed" and "GET" in response["Allow"]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_schema_offers_the_import_upload_only_on_layers_the_role_edits(world, clients, role):
    paths = clients[role].get("/api/schema/").json()["paths"]
    for layer in LAYERS:
        listed = f"/api/layers/{layer.slug}/import/" in paths
        editor = (role == roles.ADMIN or role in layer.edit_roles) and not layer.derived
        assert listed is editor, (role, layer.slug)
        if listed:
            form = paths[f"/api/layers/{layer.slug}/import/"]["post"]["requestBody"]["content"]["multipart/form-data"]
            assert {"file", "srs", "mode"} <= set(form["schema"]["properties"])
