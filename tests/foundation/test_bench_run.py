"""`make bench` (scripts/bench.sh) runs every benchmark the README's Benchmarks section reports."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_order() -> list[str]:
    script = (ROOT / "scripts" / "bench.sh").read_text()
    return re.search(r"^ORDER=\(([^)]*)\)", script, re.M).group(1).split()


def test_every_benchmark_the_readme_reports_is_in_the_one_run_and_exists():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Benchmarks") :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    reported = set(re.findall(r"`bench/(\w+)\.py`", section)) - {"locustfile"}
    order = _run_order()
    assert reported, "the Benchmarks section names no benchmark"
    assert reported <= set(order), f"reported but not run by make bench: {sorted(reported - set(order))}"
    assert all((ROOT / "bench" / f"{name}.py").is_file() for name in order)


def test_the_load_test_runs_after_the_bench_that_loads_its_database():
    order = _run_order()
    assert order.index("tiles") < order.index("load_test")
