"""The forest ranger's journey in Chromium, phone first: alert cards, each workflow step with its message,
the alert's page with its history and map, and the event shown on the district map; offline, in both languages."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone
from PIL import Image

from layers import roles
from layers.fire.models import FireEvent, Hotspot, HotspotLink
from layers.places.models import Village
from tests import journey

from . import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"
FIRE = (15.26, 108.16)  # lat, lon: in the forest of Trà Sơn, 1.5 km from Thôn 1


@pytest.fixture
def ranger():
    """A ranger with a name, who logs in with a password."""
    user = User.objects.create_user("kiemlam", password=PASSWORD, first_name="Hồ Văn", last_name="Minh")
    user.groups.add(Group.objects.get_or_create(name=roles.RANGER)[0])
    return user


@pytest.fixture
def alerts():
    """Two open alerts: a new one in the forest of Trà Sơn with three hotspots, an acknowledged one in Trà Giác."""
    places = factories.district()
    now = timezone.now()
    lat, lon = FIRE
    fire = FireEvent.objects.create(
        first_seen=now - timedelta(hours=5), last_seen=now - timedelta(hours=2), hotspot_count=3,
        max_frp=12.345, max_confidence="high", in_forest=True, commune=places["west"], status="active",
        nearest_village=Village.objects.get(name="Thôn 1"), village_distance_m=1534.2,
        centroid=Point(lon, lat, srid=4326),
        geom=Polygon.from_bbox((lon - 0.006, lat - 0.005, lon + 0.006, lat + 0.005)),
        alert_state="new", alerted_at=now - timedelta(hours=1, minutes=50),
    )  # fmt: skip
    for k, (dy, dx) in enumerate(((0, 0), (0.002, 0.003), (-0.002, -0.003))):
        spot = Hotspot.objects.create(
            source="VIIRS_SNPP_NRT", satellite="N", instrument="VIIRS", confidence="high", frp=3.04 + k,
            acquired_at=now - timedelta(hours=2), geom=Point(lon + dx, lat + dy, srid=4326),
        )  # fmt: skip
        HotspotLink.objects.create(hotspot=spot, event=fire)
    other = FireEvent.objects.create(
        first_seen=now - timedelta(hours=9), last_seen=now - timedelta(hours=8), hotspot_count=1,
        max_confidence="nominal", commune=places["east"], nearest_village=Village.objects.get(name="Thôn 2"),
        village_distance_m=420.0, centroid=Point(108.27, 15.27, srid=4326),
        geom=Polygon.from_bbox((108.268, 15.268, 108.272, 15.272)), alert_state="acknowledged",
        alerted_at=now - timedelta(hours=8), acknowledged_at=now - timedelta(hours=7, minutes=45),
    )  # fmt: skip
    return {"fire": fire, "other": other}


def _card(page, event):
    return page.locator(f"li.fr-card[data-event='{event.pk}']")


def _message(page) -> str:
    messages = page.locator("[data-testid=messages]")
    messages.wait_for()
    return messages.inner_text()


def test_a_ranger_on_a_phone_takes_an_alert_from_new_to_closed(live_server, person, ranger, alerts, tmp_path):
    fire = alerts["fire"]
    page = person("phone")
    journey.login(page, live_server.url, "kiemlam", PASSWORD, "/fire/")

    # The alerts as cards that fit the phone: place in words, rounded distance, state as a word.
    card = _card(page, fire)
    assert card.locator("h3").inner_text() == f"Trà Sơn #{fire.pk}"
    assert card.locator("[data-testid=near]").inner_text() == "Gần Thôn 1 (cách 1,5 km)"
    assert "Trong rừng" in card.inner_text() and "3 điểm cháy" in card.inner_text()
    # The fire and its alert each after its own name, never one bare "status".
    assert card.locator("[data-testid=alert-status]").inner_text() == "Cảnh báo: mới, chờ tiếp nhận"
    assert card.locator("[data-testid=fire-status]").inner_text() == "Đám cháy: đang cháy"
    assert _card(page, alerts["other"]).locator("[data-testid=near]").inner_text() == "Gần Thôn 2 (cách 420 m)"
    assert _card(page, alerts["other"]).locator("[data-testid=alert-status]").inner_text() == "Cảnh báo: đã tiếp nhận"
    times = page.locator(".fr-times dl").inner_text()
    assert "15 phút" in times, times  # the other alert was acknowledged 15 minutes after it was raised
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    journey.check(page, "fire-1-alerts")

    # Acknowledge, typing a note into its labelled box; the message says what happened and what comes next.
    journey.press(page, f"li[data-event='{fire.pk}'] .fr-note-box summary")
    card.get_by_label("Ghi chú").type("Đã nhận tin, đang liên lạc tổ bảo vệ rừng")
    journey.press(page, f"li[data-event='{fire.pk}'] button[data-action=acknowledge]")
    assert f"Đã tiếp nhận cảnh báo #{fire.pk} (Trà Sơn)" in _message(page)
    assert _card(page, fire).locator("[data-testid=alert-status]").inner_text() == "Cảnh báo: đã tiếp nhận"
    journey.check(page, "fire-2-acknowledged")

    # Dispatch.
    journey.press(page, f"li[data-event='{fire.pk}'] button[data-action=dispatch]")
    assert "Đã điều động lực lượng đến" in _message(page)
    assert _card(page, fire).locator("[data-testid=alert-status]").inner_text() == "Cảnh báo: đã điều động"
    journey.check(page, "fire-3-dispatched")

    # Verify on its own page: a bad area is refused with the field named, and nothing is written.
    journey.press(page, f"li[data-event='{fire.pk}'] a[data-action=verify]")
    page.wait_for_url(f"{live_server.url}/fire/events/{fire.pk}/verify/**")
    journey.check(page, "fire-4-verify-form")
    journey.press(page, "label[for=id_verdict_0]")
    page.get_by_label("Nguyên nhân").type("Đốt nương rẫy")
    page.get_by_label("Diện tích cháy (ha)").type("-3")
    page.get_by_label("Ghi chú").type("Đã dập tắt lúc 15 giờ")
    journey.press(page, "[data-testid=submit-step]")
    message = _message(page)
    assert "Chưa lưu" in message and "Diện tích cháy" in message, message
    assert page.locator(".fr-field-burned_area_ha .fr-errors").is_visible()
    fire.refresh_from_db()
    assert fire.alert_state == "dispatched" and fire.burned_area_ha is None
    journey.check(page, "fire-5-verify-error")
    area = page.get_by_label("Diện tích cháy (ha)")
    area.fill("")
    area.type("1,5")  # the Vietnamese decimal comma
    photo = tmp_path / "hien-truong.jpg"
    Image.new("RGB", (64, 48), (180, 60, 20)).save(photo, format="JPEG")
    assert page.locator("#photo-name").inner_text() == "Chưa chọn ảnh"
    page.set_input_files("#id_photo", str(photo))
    assert page.locator("#photo-name").inner_text() == "hien-truong.jpg"
    journey.press(page, "[data-testid=submit-step]")
    page.wait_for_url(f"{live_server.url}/fire/")
    assert "Đã lưu kết quả xác minh" in _message(page)
    fire.refresh_from_db()
    assert (fire.alert_state, fire.verdict, fire.burned_area_ha, fire.cause) == (
        "verified", "true_fire", 1.5, "Đốt nương rẫy"
    )  # fmt: skip
    journey.check(page, "fire-6-verified")

    # Closing asks first, in the page; "Huỷ" leaves the alert as it was.
    journey.press(page, f"li[data-event='{fire.pk}'] a[data-action=close]")
    page.wait_for_url(f"{live_server.url}/fire/events/{fire.pk}/close/**")
    assert page.locator("h1").inner_text() == "Đóng cảnh báo này?"
    assert page.locator("[data-testid=confirm-close]").is_visible()
    journey.check(page, "fire-7-close-confirm")
    journey.press(page, "a.fr-button.fr-secondary")
    page.wait_for_url(f"{live_server.url}/fire/")
    fire.refresh_from_db()
    assert fire.alert_state == "verified"
    journey.press(page, f"li[data-event='{fire.pk}'] a[data-action=close]")
    page.wait_for_url(f"{live_server.url}/fire/events/{fire.pk}/close/**")
    journey.press(page, "[data-testid=submit-step]")
    page.wait_for_url(f"{live_server.url}/fire/")
    assert f"Đã đóng cảnh báo #{fire.pk} (Trà Sơn)." in _message(page)
    assert _card(page, fire).count() == 0 and _card(page, alerts["other"]).count() == 1
    closed = page.locator(f"[data-testid=recent] li[data-closed='{fire.pk}']")
    assert "Cháy thật · 1,5 ha" in closed.inner_text()
    assert page.dialogs == []  # no window.confirm anywhere
    journey.check(page, "fire-8-closed")

    # The alert's page: the history (who, when, notes, verdict, cause, area), and its small map drawn.
    journey.press(page, f"[data-testid=recent] li[data-closed='{fire.pk}'] a")
    page.wait_for_url(f"{live_server.url}/fire/events/{fire.pk}/")
    history = page.locator("[data-testid=history]")
    steps = history.locator("li[data-step] strong").all_inner_texts()
    assert steps == ["Đã tiếp nhận", "Đã điều động", "Đã xác minh", "Đã đóng"]
    text = history.inner_text()
    assert "Hồ Văn Minh" in text and "Đã nhận tin, đang liên lạc tổ bảo vệ rừng" in text
    assert "Cháy thật" in text and "Đốt nương rẫy" in text and "1,5 ha" in text
    assert page.locator("[data-testid=state]").inner_text() == "Cảnh báo: đã đóng"
    assert page.locator("[data-testid=fire-status]").inner_text() == "Đám cháy: đang cháy"
    assert "cách 1,5 km" in page.locator(".fr-dl").inner_text()  # the same rounding as the card
    assert page.locator(".fr-photo img").evaluate("img => img.complete && img.naturalWidth") == 64
    journey.press(page, "[data-testid=hotspot-list] summary")
    spots = [s.replace("\xa0", " ") for s in page.locator("[data-testid=hotspot-list] li").all_inner_texts()]
    # Spots of one pass differ by place and power, so no two lines read the same.
    assert len(spots) == 3 and all("VIIRS · độ tin cậy cao · " in s and " MW · (15," in s for s in spots), spots
    assert len(set(spots)) == 3 and "3,0 MW" in spots[0] + spots[1] + spots[2], spots
    page.wait_for_function("() => document.querySelectorAll('#fr-map path.leaflet-interactive').length === 4")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#fr-map .gp-basemap-offline img')].some(i => i.complete)"
    )
    drawn = journey.pixels(page, "#fr-map")
    red = (drawn[:, :, 0] > 150) & (drawn[:, :, 1] < 120) & (drawn[:, :, 2] < 120)
    assert red.mean() > 0.005, "the footprint and hotspots are not drawn on the alert's map"
    journey.check(page, "fire-9-alert-page")
    page.screenshot(path=str(journey.ARTIFACTS / "fire-9-alert-page-full-phone.png"), full_page=True)

    # "Show on map": the district map framed on the event, its footprint drawn where the fire is.
    journey.press(page, "[data-testid=show-on-map]")
    page.wait_for_url(f"{live_server.url}/map/?layers=fire-events,fire-hotspots**")
    page.locator("path.gp-layer-fire-events").first.wait_for()
    page.wait_for_timeout(500)
    journey.shot(page, "fire-10-map")
    shown = journey.pixels(page)
    box = journey.around(page, *FIRE, radius=15)
    page.evaluate("() => document.querySelectorAll('path.gp-layer-fire-events').forEach(p => p.style.display = 'none')")
    hidden = journey.pixels(page)
    assert journey.changed(hidden, shown, box) > 0.3, "nothing drawn where the fire is"


def test_the_ranger_pages_read_in_english_on_a_desktop(live_server, person, ranger, alerts):
    fire = alerts["fire"]
    page = person("desktop", locale="en-GB")
    journey.login(page, live_server.url, "kiemlam", PASSWORD, "/fire/")
    journey.press(page, ".gp-lang button[value=en]")
    page.wait_for_url(f"{live_server.url}/fire/")
    assert page.locator("h1").inner_text() == "Forest fire alerts"
    card = _card(page, fire)
    assert card.locator("[data-testid=alert-status]").inner_text() == "Alert: new, awaiting acknowledgement"
    assert card.locator("[data-testid=fire-status]").inner_text() == "Fire: burning"
    assert card.locator("[data-testid=near]").inner_text() == "Near Thôn 1 (1.5 km away)"
    assert "In forest" in card.inner_text() and "3 hotspots" in card.inner_text()
    assert card.locator("button[data-action=acknowledge]").inner_text() == "Acknowledge"
    assert card.locator("[data-testid=show-on-map]").inner_text() in ("Show on map", "Show on the map")
    journey.check(page, "fire-en-alerts")
    journey.press(page, f"li[data-event='{fire.pk}'] button[data-action=acknowledge]")
    assert f"Alert #{fire.pk} (Trà Sơn) acknowledged" in _message(page)
    journey.check(page, "fire-en-acknowledged")
    page.goto(f"{live_server.url}/fire/events/{fire.pk}/")
    assert "Handling history" in page.inner_text("main")
    assert page.locator("[data-testid=state]").inner_text() == "Alert: acknowledged"
    journey.press(page, "[data-testid=hotspot-list] summary")
    spots = [s.replace("\xa0", " ") for s in page.locator("[data-testid=hotspot-list] li").all_inner_texts()]
    assert all("high confidence" in s and " MW · (15." in s for s in spots), spots
    journey.check(page, "fire-en-alert-page")


def test_a_person_without_the_ranger_role_meets_the_error_page_with_a_log_in_link(live_server, person, alerts):
    page = person("phone")
    page.goto(f"{live_server.url}/fire/events/{alerts['fire'].pk}/")
    assert page.locator("[data-testid=error-page]").get_attribute("data-status") == "403"
    assert page.locator("[data-testid=error-login]").is_visible()
    journey.check(page, "fire-anonymous")
    journey.press(page, "[data-testid=error-login]")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
