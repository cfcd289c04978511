"""The flood event's situation report: staff only, every figure with its unknown, a CSV with the same rows."""

import csv
import io

import pytest
from django.contrib.auth.models import User

from ingest import flood as flood_ingest
from layers.flood import hooks
from tests.crossings import world
from tests.crossings.conftest import place  # noqa: F401  (the fixture)


@pytest.mark.django_db
def test_report_page_and_csv(tmp_path, place, client, role_user):  # noqa: F811
    path = world.write_mask(tmp_path / "m.tif", [world.RIVER_BAND, world.EAST_VILLAGE], [world.NORTH_VILLAGE])
    run = flood_ingest.ingest_path(path, product="s1", time="2026-10-29T05:50:00+07:00", min_pixels=0)
    row = hooks.after_observation(run.params["observation_id"])
    url = f"/flood/events/{row.event_id}/report/"
    # Anonymous people are sent to log in; a user without a role is refused.
    assert client.get(url).status_code == 302
    client.force_login(User.objects.create_user("no_role"))
    assert client.get(url).status_code == 403
    client.force_login(role_user("operator"))
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    # The observation's time in Vietnam (22:50 UTC the day before).
    assert 'data-testid="observed-at">05:50 29/10/2026<' in html
    assert 'data-figure="villages_cut_off"><dt>Thôn bị chia cắt</dt><dd><b>1</b>' in html
    assert "Thôn Đông" in html and 'data-testid="other-channel"' not in html
    assert "Ngầm thử" in html and "bị ngập theo ảnh vệ tinh" in html
    assert html.count("không rõ") >= 10
    response = client.get(f"/flood/events/{row.event_id}/report.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, commune, total = rows
    assert header[:3] == ["Xã", "Diện tích ngập (km²)", "Diện tích ngập (km²): không rõ"]
    assert commune[0] == "Trà My" and total[0] == "Toàn huyện"
    # A name that a spreadsheet would run as a formula is written as text.
    from layers.places.models import Commune

    Commune.objects.filter(name="Trà My").update(name='=HYPERLINK("http://x","y")')
    hooks.after_observation(run.params["observation_id"])
    csv_text = client.get(f"/flood/events/{row.event_id}/report.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert float(total[header.index("Thôn bị chia cắt")]) == 1
    assert float(total[header.index("Người bị ảnh hưởng: không rõ")]) > 0
    assert client.get("/flood/events/999999/report/").status_code == 404
    index = client.get("/flood/reports/").content.decode()
    assert url in index and "/crossings/" in index and "Lũ và ngầm tràn" in index
