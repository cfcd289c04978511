"""OpenAPI 3.0 documents generated from the registry: one path set per layer the user may read."""

from django.urls import reverse

from layers.registry import Layer, registry

from . import columns, links
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, MAX_VALUE_LENGTH

GEOJSON = "application/geo+json"
_ERROR = {"$ref": "#/components/schemas/Error"}
_COLLECTION = {"$ref": "#/components/schemas/FeatureCollection"}
SECURITY_SCHEMES = {
    "basicAuth": {"type": "http", "scheme": "basic", "description": "A platform account; no CSRF token needed."},
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "The signed-in browser session (log in at /accounts/login/).",
    },
    "deviceKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A field device's own key (issue_device_key / issue_gauge_key), shown once when issued.",
    },
    "gaugeKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "A crossing gauge's key (issue_gauge_key); `Authorization: Bearer <key>` works too.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "With a session, every write also sends the csrftoken cookie's value in this header.",
    },
}
# Reads are open to anonymous callers (private fields and layers then stay hidden); writes need an account.
READ_SECURITY = [{}, {"basicAuth": []}, {"sessionCookie": []}]
WRITE_SECURITY = [{"basicAuth": []}, {"sessionCookie": [], "csrfToken": []}]
_BBOX_NUMBER = {"type": "number", "minimum": -180, "maximum": 180}
_DATETIME = (
    r"^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?|\.\.|)"
    r"(/(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?|\.\.|))?$"
)


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
    schemas["FeatureCollection"] = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }
    return {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES}


def _schema_name(layer: Layer) -> str:
    return "Feature_" + layer.slug.replace("-", "_")


_MEANING = {
    400: "a parameter or the body is malformed or not allowed (the field is named)",
    401: "no or wrong credentials (WWW-Authenticate says how)",
    403: "signed in, but this role may not do this (or the CSRF check failed)",
    404: "no such layer or feature for this caller",
    405: "method not allowed here (Allow lists the methods)",
    406: "a format this endpoint does not produce",
    409: "someone saved the feature since you read it (both versions reported)",
    412: "If-Match names a version that is no longer current",
    413: "the body or the export is larger than allowed",
    428: "a change to a versioned feature must say which version it started from",
    429: "too many requests; retry after Retry-After seconds",
}


def _error_responses(*statuses: int) -> dict:
    return {
        str(s): {"description": _MEANING.get(s, "error"), "content": {"application/json": {"schema": _ERROR}}}
        for s in statuses
    }


def _query_params(layer: Layer, user, default_limit: int) -> list[dict]:
    visible = {c.name: c for c in columns.visible(layer, user)}
    out = [
        {
            "name": "bbox",
            "in": "query",
            "description": "minx,miny,maxx,maxy in lon/lat (CRS84); min below max, latitudes within -90..90",
            "schema": {"type": "array", "items": _BBOX_NUMBER, "minItems": 4, "maxItems": 4},
            "style": "form",
            "explode": False,
        },
        {
            "name": "limit",
            "in": "query",
            # OGC API Features' rule: a limit above the maximum is served as the maximum, never an error;
            # "maximum" in the schema would make that documented behaviour a contract violation.
            "description": f"page size, at most {MAX_LIMIT}: larger values are served as {MAX_LIMIT} with a next link",
            "schema": {"type": "integer", "minimum": 1, "default": default_limit, "x-maximum": MAX_LIMIT},
        },
        {
            "name": "offset",
            "in": "query",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        },
    ]
    if layer.time_field:
        out.append(
            {
                "name": "datetime",
                "in": "query",
                "description": f"RFC 3339 instant or interval on {layer.time_field}: a, a/b, ../b, a/..",
                "schema": {"type": "string", "pattern": _DATETIME, "maxLength": 80},
            }
        )
    sortable = [n for n in layer.ordering_fields if n in visible]
    if sortable:
        names = "|".join(sortable)
        out.append(
            {
                "name": "sortby",
                "in": "query",
                "description": "comma-separated fields, - for descending: " + ", ".join(sortable),
                "schema": {"type": "string", "pattern": f"^[+-]?({names})(,[+-]?({names}))*$"},
            }
        )
    for name in layer.filter_fields:
        if name in visible:
            out.append({"name": name, "in": "query", "schema": _filter_schema(visible[name])})
    return out


def _filter_schema(col: columns.Column) -> dict:
    """The type and bounds of one equality filter's value."""
    field = col.field
    choices = [str(value) for value, _label in (field.choices or [])]
    if choices:
        return {"type": "string", "enum": choices}
    if col.json_type == "integer":
        return {
            "type": "integer",
            "minimum": 0 if "Positive" in type(field).__name__ else -(2**31),
            "maximum": 2**31 - 1,
        }
    if col.json_type in ("number", "boolean"):
        return {"type": col.json_type}
    schema = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}
    if col.is_time:
        schema["format"] = "date-time"
    return schema


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
            | _error_responses(400, 401, 403, 404, 405, 413, 429),
            "security": WRITE_SECURITY,
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


def _op(summary: str, responses: dict, *, write: bool = False, **more) -> dict:
    """One operation with its security and the errors every endpoint can give (bad Basic credentials: 401)."""
    errors = _error_responses(401, 405, 429) if not write else {}
    return {"summary": summary, "security": WRITE_SECURITY if write else READ_SECURITY, **more} | {
        "responses": errors | responses
    }


def _feature_paths(layer: Layer, user, paths: dict) -> None:
    """The GeoJSON REST paths of one layer."""
    ref = {"$ref": f"#/components/schemas/{_schema_name(layer)}"}
    slug = layer.slug
    feature_body = {"required": True, "content": {GEOJSON: {"schema": ref}, "application/json": {"schema": ref}}}
    item_path = reverse("api:feature", kwargs={"slug": slug, "fid": 1}).replace("/1/", "/{id}/")
    id_param = [
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
        }
    ]
    reason = {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 500}}
    if_match = {"name": "If-Match", "in": "header", "schema": {"type": "string", "maxLength": 40}}
    paths[reverse("api:layer", kwargs={"slug": slug})] = {
        "get": _op(
            f"{layer.title_en}: catalogue entry",
            {"200": {"description": "the layer as this caller may use it", "content": {"application/json": {}}}}
            | _error_responses(404),
        )
    }
    paths[reverse("api:features", kwargs={"slug": slug})] = {
        "get": _op(
            f"{layer.title_en}: features",
            {"200": {"description": "a page of features", "content": {GEOJSON: {"schema": _COLLECTION}}}}
            | _error_responses(400, 404),
            parameters=_query_params(layer, user, DEFAULT_LIMIT),
        ),
        "post": _op(
            f"{layer.title_en}: create a feature",
            {"201": {"description": "created", "content": {GEOJSON: {"schema": ref}}}}
            | _error_responses(400, 401, 403, 404, 405, 409, 413, 429),
            write=True,
            parameters=[reason],
            requestBody=feature_body,
        ),
    }
    change = _error_responses(400, 401, 403, 404, 405, 409, 412, 413, 428, 429)
    paths[item_path] = {
        "parameters": id_param,
        "get": _op(
            f"{layer.title_en}: one feature",
            {"200": {"description": "Feature", "content": {GEOJSON: {"schema": ref}}}} | _error_responses(404),
        ),
        "put": _op(
            "replace",
            {"200": {"description": "replaced", "content": {GEOJSON: {"schema": ref}}}} | change,
            write=True,
            parameters=[reason, if_match],
            requestBody=feature_body,
        ),
        "patch": _op(
            "change",
            {"200": {"description": "changed", "content": {GEOJSON: {"schema": ref}}}} | change,
            write=True,
            parameters=[reason, if_match],
            requestBody=feature_body,
        ),
        "delete": _op(
            "delete",
            {"204": {"description": "deleted"}} | _error_responses(401, 403, 404, 405, 409, 412, 428, 429),
            write=True,
            parameters=[reason, if_match],
        ),
    }


def _tile_paths(request, layer: Layer, user, server: str, paths: dict) -> None:
    tile_path = links.tile_template(request, layer).removeprefix(server)
    top = 2**layer.max_zoom - 1
    paths[tile_path] = {
        "parameters": [
            {
                "name": "z",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 0, "maximum": layer.max_zoom},
            },
            {"name": "x", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": top}},
            {"name": "y", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": top}},
        ],
        "get": _op(
            f"{layer.title_en}: vector tile (x and y below 2^z)",
            {
                "200": {"description": "tile", "content": {"application/vnd.mapbox-vector-tile": {}}},
                "204": {"description": "empty tile (or below the layer's minimum zoom)"},
                "304": {"description": "the tile the client holds (If-None-Match) is current"},
            }
            | _error_responses(400, 404),
            parameters=[p for p in _query_params(layer, user, 0) if p["name"] not in _PAGING],
        ),
    }
    paths[reverse("api:tilejson", kwargs={"slug": layer.slug})] = {
        "get": _op(
            f"{layer.title_en}: TileJSON",
            {"200": {"description": "TileJSON 3.0", "content": {"application/json": {}}}} | _error_responses(404),
        )
    }


def _export_paths(layer: Layer, user, paths: dict) -> None:
    for fmt in links.EXPORT_FORMATS:
        paths[reverse("api:export", kwargs={"slug": layer.slug, "fmt": fmt})] = {
            "get": _op(
                f"{layer.title_en}: export as {fmt}",
                {"200": {"description": "file", "content": {EXPORT_TYPES[fmt]: {}}}}
                | _error_responses(400, 404, 406, 413),
                parameters=[p for p in _query_params(layer, user, 0) if p["name"] not in ("limit", "offset")],
            )
        }


EXPORT_TYPES = {
    "geojson": GEOJSON,
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "csv": "text/csv",
    "kml": "application/vnd.google-earth.kml+xml",
}
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
_GEOJSON_OBJECT = {"application/json": {"schema": _COLLECTION}, GEOJSON: {"schema": _COLLECTION}}


def _theme_paths() -> dict:
    """The fire, feedback and coverage endpoints outside the layer API (officers' and rangers' tools)."""
    network = [
        {"name": "operator", "in": "query", "schema": {"type": "string", "maxLength": 20}},
        {"name": "technology", "in": "query", "schema": {"type": "string", "maxLength": 10}},
    ]
    staff = _error_responses(401, 403, 405)
    device_errors = _error_responses(400, 401, 405, 413, 429)
    return {
        "/api/devices/heartbeat/": {
            "post": {
                "summary": "A field device says it is alive (an optional JSON object body is accepted)",
                "security": [{"deviceKey": []}],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "{device, name, status, received_at}", "content": _JSON_OBJECT}}
                | device_errors,
            }
        },
        "/api/crossings/readings/": {
            "post": {
                "summary": "Water levels from a crossing's gauge: one {measured_at, level_m}, a list, or {readings}",
                "security": [{"gaugeKey": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}},
                "responses": {
                    "200": {"description": "only duplicates: nothing new stored", "content": _JSON_OBJECT},
                    "201": {"description": "{crossing, gauge, new, duplicates, status, ...}", "content": _JSON_OBJECT},
                }
                | device_errors,
            }
        },
        "/api/fire/alerts/": {
            "get": _op(
                "Fire alerts (rangers, operators, administrators)",
                {"200": {"description": "{alerts: [...]}", "content": _JSON_OBJECT}} | _error_responses(403),
                parameters=[
                    {
                        "name": "state",
                        "in": "query",
                        "description": "open (the default), closed or all; any other value means open",
                        "schema": {"type": "string"},
                    }
                ],
            )
        },
        "/api/fire/events/{id}/": {
            "get": _op(
                "One fire event with its workflow history",
                {"200": {"description": "the event", "content": _JSON_OBJECT}} | _error_responses(403, 404),
                parameters=[
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
            )
        },
        "/api/fire/events/{id}/{action}/": {
            "post": _op(
                "One workflow step on a fire event",
                {"200": {"description": "the event after the step", "content": _JSON_OBJECT}}
                | _error_responses(400, 401, 403, 404, 405, 409, 413, 415, 429),
                write=True,
                parameters=[
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    },
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["acknowledge", "dispatch", "verify", "close"]},
                    },
                ],
                requestBody={"content": {"application/json": {"schema": {"type": "object"}}}},
            )
        },
        "/api/fire/response-times/": {
            "get": _op(
                "Minutes from alert to each workflow step",
                {"200": {"description": "response times", "content": _JSON_OBJECT}} | _error_responses(403),
            )
        },
        "/feedback/nearby.json": {
            "get": _op(
                "Open reports of a category within 50 m (public fields only)",
                {"200": {"description": "reports", "content": _JSON_OBJECT}} | _error_responses(400),
                parameters=[
                    {
                        "name": "lon",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                    {
                        "name": "lat",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "number", "minimum": -90, "maximum": 90},
                    },
                    {
                        "name": "category",
                        "in": "query",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{0,40}$"},
                    },
                ],
            )
        },
        "/feedback/stats.json": {
            "get": _op(
                "Complaint statistics (feedback officers)",
                {"200": {"description": "statistics", "content": _JSON_OBJECT}, "302": {"description": "log in first"}}
                | staff,
            )
        },
        "/feedback/queue/map.geojson": {
            "get": _op(
                "The complaint queue on a map (feedback officers; no reporter contact)",
                {
                    "200": {"description": "FeatureCollection", "content": _GEOJSON_OBJECT},
                    "302": {"description": "log in first"},
                }
                | staff,
            )
        },
        "/coverage/gaps.geojson": {
            "get": _op(
                "Coverage gaps of the newest real run (planners)",
                {"200": {"description": "FeatureCollection", "content": _GEOJSON_OBJECT}}
                | staff
                | _error_responses(400),
                parameters=[*network, {"name": "run", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            )
        },
        "/coverage/towers.geojson": {
            "get": _op(
                "Active towers (planners)",
                {"200": {"description": "FeatureCollection", "content": _GEOJSON_OBJECT}}
                | staff
                | _error_responses(400),
                parameters=network,
            )
        },
    }


def rest_document(request, user) -> dict:
    """The REST, tile and export API for the layers this user may read, with the theme endpoints."""
    layers = registry.readable_by(user)
    server = request.build_absolute_uri("/").rstrip("/")
    paths: dict = {
        reverse("api:catalogue"): {
            "get": _op(
                "Catalogue of the layers this caller may read",
                {"200": {"description": "layers", "content": {"application/json": {}}}},
            )
        }
    }
    for layer in layers:
        _feature_paths(layer, user, paths)
        _tile_paths(request, layer, user, server, paths)
        _export_paths(layer, user, paths)
        if layer.can_edit(user):
            paths[reverse("layer-import", kwargs={"slug": layer.slug})] = _import_path(layer)
            paths[reverse("api:validate", kwargs={"slug": layer.slug})] = {
                "post": _op(
                    f"{layer.title_en}: check a geometry; an ST_MakeValid preview if invalid",
                    {
                        "200": {
                            "description": "{valid, reason, location, preview}; nothing written",
                            "content": _JSON_OBJECT,
                        }
                    }
                    | _error_responses(400, 401, 403, 404, 405, 413, 429),
                    write=True,
                    requestBody={"required": True, "content": {GEOJSON: {"schema": {"type": "object"}}}},
                )
            }
    paths.update(_theme_paths())
    return _document("geoplatform layers API", paths, layers, user, server)


def _ogc_item_params(layer: Layer, user) -> list[dict]:
    """The items parameters of OGC API Features Parts 1-3 (datetime on every collection)."""
    from . import crs

    out = [p for p in _query_params(layer, user, 10) if p["name"] != "datetime"]
    out += [
        {
            "name": "datetime",
            "in": "query",
            "description": "RFC 3339 instant or interval (a/b, ../b, a/..)"
            + ("" if layer.time_field else "; this collection has no time, so any valid value selects nothing"),
            "schema": {"type": "string"},
        },
        {"name": "crs", "in": "query", "schema": {"type": "string", "format": "uri", "enum": crs.URIS}},
        {"name": "bbox-crs", "in": "query", "schema": {"type": "string", "format": "uri", "enum": crs.URIS}},
        {"name": "filter", "in": "query", "description": "CQL2 over the queryables", "schema": {"type": "string"}},
        # "cql-text" is the draft name GDAL 3.6 looks for before it sends -where as a filter.
        {
            "name": "filter-lang",
            "in": "query",
            "schema": {"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"},
        },
        {"name": "filter-crs", "in": "query", "schema": {"type": "string", "format": "uri", "enum": crs.URIS}},
        {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["json", "geojson", "html"]}},
    ]
    return out


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
                "parameters": _ogc_item_params(layer, user),
                "responses": {"200": {"description": "features", "content": {GEOJSON: {}, "text/html": {}}}}
                | _error_responses(400, 404, 406),
            }
        }
        paths[f"/collections/{layer.slug}/queryables"] = {
            "get": {
                "operationId": f"getQueryables_{op}",
                "responses": {"200": {"description": "JSON Schema", "content": {"application/schema+json": {}}}}
                | _error_responses(404, 406),
            }
        }
        paths[f"/collections/{layer.slug}/items/{{featureId}}"] = {
            "get": {
                "operationId": f"getFeature_{op}",
                "parameters": [
                    {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                    *[p for p in _ogc_item_params(layer, user) if p["name"] in ("crs", "f")],
                ],
                "responses": {"200": {"description": "feature", "content": {GEOJSON: {"schema": ref}, "text/html": {}}}}
                | _error_responses(400, 404, 406),
            }
        }
    return _document("geoplatform OGC API - Features", paths, layers, user, server)
