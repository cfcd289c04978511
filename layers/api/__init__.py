"""The generic ways out driven by the registry: REST/GeoJSON, OGC API Features, tiles, exports."""
