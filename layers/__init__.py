"""The catalogue of layers and the entities of the district, one Django app per theme."""
