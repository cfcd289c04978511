"""The synthetic demo district of Bắc Trà My, generated from a seed (pure modules, no Django).

``build.build(seed, out_dir, now)`` returns plain data and writes the generated files (DEM, FIRMS
CSV, flood mask); ``load.load`` maps that data to the models in one transaction.
"""
