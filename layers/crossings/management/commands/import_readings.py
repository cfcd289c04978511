"""Import water-level readings of a gauge from a CSV file (measured_at, level_m); duplicates are ignored."""

import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from layers.crossings import readings
from layers.crossings.errors import CrossingError
from layers.crossings.models import Gauge

MAX_BYTES = 20_000_000


class Command(BaseCommand):
    help = "Import water-level readings (CSV with columns measured_at, level_m) for one gauge."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--gauge", type=int, required=True, help="id of the gauge")

    def handle(self, *args, **opts):
        gauge = Gauge.objects.select_related("crossing").filter(pk=opts["gauge"]).first()
        if gauge is None:
            raise CommandError(f"no gauge with id {opts['gauge']}")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: larger than {MAX_BYTES} bytes")
        try:
            outcome = import_csv(gauge, path.read_bytes())
        except CrossingError as exc:
            raise CommandError(f"{path}: {exc.message} ({exc.field})") from None
        self.stdout.write(
            f"{gauge.crossing.name}: {outcome.new} new, {outcome.duplicates} duplicates, status {outcome.status}"
        )


def import_csv(gauge: Gauge, data: bytes, source: str = "csv") -> readings.Outcome:
    """Check every row of the CSV (line numbers in errors), then record them in one transaction."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CrossingError("Tệp không phải UTF-8.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"measured_at", "level_m"} - {name.strip() for name in reader.fieldnames or ()}
    if missing:
        raise CrossingError(f"Thiếu cột {', '.join(sorted(missing))}.", field="header")
    rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    try:
        checked = readings.check(rows, timezone.now(), where="row")
    except CrossingError as exc:
        if "[" not in (exc.field or ""):
            raise
        # CSV people count lines, header included: row[0] is line 2.
        index = int(exc.field.split("[")[1].split("]")[0])
        exc.message = exc.message.replace(f"Số đo thứ {index + 1}", f"Dòng {index + 2}")
        raise
    return readings.record(gauge, checked, source=source)
