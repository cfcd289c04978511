"""Security, traffic, school and water-level cameras."""
