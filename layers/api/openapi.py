"""OpenAPI 3.0 documents generated from the registry: one path set per layer the user may read."""

from django.urls import reverse

from layers.registry import Layer, registry

from . import columns, links
from .params import DEFAULT_LIMIT, MAX_LIMIT

GEOJSON = "application/geo+json"
_ERROR = {"$ref": "#/components/schemas/Error"}


def _components(layers: list[Layer], user) -> dict:
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": "string", "nullable": True},
                    },
                }
            },
        }
    }
    for layer in layers:
        props = {c.name: {"type": c.json_type, "nullable": True} for c in columns.visible(layer, user)}
        for c in columns.visible(layer, user):
            if c.is_time:
                props[c.name]["format"] = "date-time"
        schemas[_schema_name(layer)] = {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "integer"},
                "geometry": {"type": "object", "description": f"GeoJSON {layer.geometry_type} in CRS84"},
                "properties": {"type": "object", "properties": props},
            },
        }
    return {"schemas": schemas}


def _schema_name(layer: Layer) -> str:
    return "Feature_" + layer.slug.replace("-", "_")


def _error_responses(*statuses: int) -> dict:
    return {str(s): {"description": "error", "content": {"application/json": {"schema": _ERROR}}} for s in statuses}


def _query_params(layer: Layer, user, default_limit: int) -> list[dict]:
    visible = {c.name: c for c in columns.visible(layer, user)}
    out = [
        {
            "name": "bbox",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6},
            "style": "form",
            "explode": False,
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": default_limit},
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
    ]
    if layer.time_field:
        out.append({"name": "datetime", "in": "query", "schema": {"type": "string"}})
    sortable = [n for n in layer.ordering_fields if n in visible]
    if sortable:
        out.append(
            {"name": "sortby", "in": "query", "schema": {"type": "string"}, "description": "±" + ", ±".join(sortable)}
        )
    for name in layer.filter_fields:
        if name in visible:
            out.append({"name": name, "in": "query", "schema": {"type": visible[name].json_type}})
    return out


_PAGING = ("bbox", "limit", "offset", "sortby")
IMPORT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "GeoJSON, GeoPackage, zipped SHP, KML, CSV"},
        "srs": {"type": "string", "description": "EPSG:XXXX or +proj when the file has none (EPSG:3405, EPSG:5899)"},
        "mode": {"type": "string", "enum": ["all", "valid-only"], "default": "all"},
        "dry_run": {"type": "boolean", "default": False},
        "source_layer": {"type": "string", "description": "the layer inside a file that holds several"},
    },
}


def _import_path(layer: Layer) -> dict:
    """The upload endpoint of one layer (ingest.views.LayerImportView)."""
    return {
        "post": {
            "summary": f"{layer.title_en}: import a vector file",
            "description": "Reprojected to EPSG:4326. The answer is the report: rows accepted, written and "
            "rejected with the reason per row. mode=all writes every row or none.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": IMPORT_FORM}}},
            "responses": {
                "201": {"description": "written; the report"},
                "200": {"description": "dry run; the report"},
            }
            | _error_responses(400, 401, 403, 404, 413),
        }
    }


def _document(title: str, paths: dict, layers: list[Layer], user, server: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0", "description": "Bắc Trà My district operations map."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": _components(layers, user),
    }


def rest_document(request, user) -> dict:
    """The REST, tile and export API for the layers this user may read."""
    layers = registry.readable_by(user)
    server = request.build_absolute_uri("/").rstrip("/")
    paths: dict = {
        reverse("api:catalogue"): {
            "get": {"summary": "Catalogue of layers", "responses": {"200": {"description": "ok"}}}
        }
    }
    for layer in layers:
        ref = {"$ref": f"#/components/schemas/{_schema_name(layer)}"}
        slug = layer.slug
        feature_body = {"required": True, "content": {GEOJSON: {"schema": ref}, "application/json": {"schema": ref}}}
        item_path = reverse("api:feature", kwargs={"slug": slug, "fid": 1}).replace("/1/", "/{id}/")
        id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        paths[reverse("api:layer", kwargs={"slug": slug})] = {
            "get": {"summary": f"{layer.title_en}: catalogue entry", "responses": {"200": {"description": "ok"}}}
        }
        paths[reverse("api:features", kwargs={"slug": slug})] = {
            "get": {
                "summary": f"{layer.title_en}: features",
                "parameters": _query_params(layer, user, DEFAULT_LIMIT),
                "responses": {"200": {"description": "FeatureCollection", "content": {GEOJSON: {}}}}
                | _error_responses(400, 404),
            },
            "post": {
                "summary": f"{layer.title_en}: create a feature",
                "requestBody": feature_body,
                "responses": {"201": {"description": "created", "content": {GEOJSON: {"schema": ref}}}}
                | _error_responses(400, 401, 403, 413),
            },
        }
        paths[item_path] = {
            "parameters": id_param,
            "get": {
                "summary": f"{layer.title_en}: one feature",
                "responses": {"200": {"description": "Feature", "content": {GEOJSON: {"schema": ref}}}}
                | _error_responses(404),
            },
            "put": {
                "summary": "replace",
                "requestBody": feature_body,
                "responses": {"200": {"description": "ok"}} | _error_responses(400, 401, 403, 404, 409),
            },
            "patch": {
                "summary": "change",
                "requestBody": feature_body,
                "responses": {"200": {"description": "ok"}} | _error_responses(400, 401, 403, 404, 409),
            },
            "delete": {
                "summary": "delete",
                "responses": {"204": {"description": "deleted"}} | _error_responses(401, 403),
            },
        }
        tile_path = links.tile_template(request, layer).removeprefix(server)
        paths[tile_path] = {
            "parameters": [
                {"name": n, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
                for n in ("z", "x", "y")
            ],
            "get": {
                "summary": f"{layer.title_en}: vector tile",
                "responses": {
                    "200": {"description": "tile", "content": {"application/vnd.mapbox-vector-tile": {}}},
                    "204": {"description": "empty tile"},
                }
                | _error_responses(400, 404),
            },
        }
        tile_filters = [p for p in _query_params(layer, user, 0) if p["name"] not in _PAGING]
        paths[tile_path]["get"]["parameters"] = tile_filters
        if layer.can_edit(user):
            paths[reverse("layer-import", kwargs={"slug": slug})] = _import_path(layer)
            paths[reverse("api:validate", kwargs={"slug": slug})] = {
                "post": {
                    "summary": f"{layer.title_en}: check a geometry; an ST_MakeValid preview if invalid",
                    "requestBody": {"required": True, "content": {GEOJSON: {"schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "{valid, reason, location, preview}; nothing written"}}
                    | _error_responses(400, 401, 403, 404, 413),
                }
            }
        paths[reverse("api:tilejson", kwargs={"slug": slug})] = {
            "get": {"summary": f"{layer.title_en}: TileJSON", "responses": {"200": {"description": "ok"}}}
        }
        for fmt in links.EXPORT_FORMATS:
            paths[reverse("api:export", kwargs={"slug": slug, "fmt": fmt})] = {
                "get": {
                    "summary": f"{layer.title_en}: export as {fmt}",
                    "parameters": [p for p in _query_params(layer, user, 0) if p["name"] not in ("limit", "offset")],
                    "responses": {"200": {"description": "file"}} | _error_responses(400, 404, 413),
                }
            }
    return _document("geoplatform layers API", paths, layers, user, server)


def ogc_document(request, user) -> dict:
    """The OGC API - Features description, one path per collection this user may read."""
    layers = registry.readable_by(user)
    server = request.build_absolute_uri(reverse("api:ogc-landing")).rstrip("/")
    json_ok = {"200": {"description": "ok", "content": {"application/json": {}}}}
    paths: dict = {
        "/": {"get": {"operationId": "getLandingPage", "responses": json_ok}},
        "/conformance": {"get": {"operationId": "getConformance", "responses": json_ok}},
        "/collections": {"get": {"operationId": "getCollections", "responses": json_ok}},
    }
    for layer in layers:
        ref = {"$ref": f"#/components/schemas/{_schema_name(layer)}"}
        op = layer.slug.replace("-", "_")
        paths[f"/collections/{layer.slug}"] = {
            "get": {"operationId": f"describe_{op}", "responses": json_ok | _error_responses(404)}
        }
        paths[f"/collections/{layer.slug}/items"] = {
            "get": {
                "operationId": f"getFeatures_{op}",
                "parameters": _query_params(layer, user, 10),
                "responses": {"200": {"description": "features", "content": {GEOJSON: {}}}} | _error_responses(400),
            }
        }
        paths[f"/collections/{layer.slug}/items/{{featureId}}"] = {
            "get": {
                "operationId": f"getFeature_{op}",
                "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "feature", "content": {GEOJSON: {"schema": ref}}}}
                | _error_responses(404),
            }
        }
    return _document("geoplatform OGC API - Features", paths, layers, user, server)
