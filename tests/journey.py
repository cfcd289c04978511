"""What a person sees in Chromium: phone and desktop pages, real taps, pixels, page widths, console errors, axe-core.

Browser tests open pages through the ``person`` fixture (tests/conftest.py), which uses these helpers and fails
the test on any console error or page error. axe-core comes from npm (devDependencies) and is put into the page
by the test only; the platform never serves it.
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# An "online" tile server that cannot be reached (nothing listens on port 9): the district without internet.
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
DEAD_HOSTS = ("127.0.0.1:9",)

# Map chrome left out of pixel comparisons: what changes must be the map itself, not its legend or buttons.
HIDE_CONTROLS = ".leaflet-control-container, .gp-notice { visibility: hidden !important; }"


def watch(page, ignore_hosts=DEAD_HOSTS) -> None:
    """Record console errors and page errors on ``page.problems`` (failed loads from ``ignore_hosts`` excepted)."""
    page.problems = []

    def on_console(message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if any(host in url or host in message.text for host in ignore_hosts):
            return  # the unreachable online base map: the offline situation the test sets up on purpose
        if message.text.startswith("Failed to load resource") and url.split("#")[0] == page.url.split("#")[0]:
            return  # the page itself answered 4xx (an error page the test opens on purpose); its parts still count
        page.problems.append(f"console: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))


def new_page(browser, size="phone", locale="vi-VN", **options):
    """A fresh context and page of a phone (390x844, touch) or a desktop, watched for errors."""
    context = browser.new_context(**SIZES[size], locale=locale, timezone_id="Asia/Ho_Chi_Minh", **options)
    page = context.new_page()
    page.size = size
    watch(page)
    return page


def assert_clean(page) -> None:
    """No console error, page error or script dialog happened on this page."""
    assert not page.problems, "\n".join(page.problems)
    assert not page.dialogs, page.dialogs


def assert_fits(page) -> None:
    """The page is no wider than the viewport (no sideways scrolling on a phone)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width} px wide on a {viewport} px screen"


def axe(page, impacts=("critical", "serious")) -> list[dict]:
    """axe-core's violations of these impacts on the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page) -> None:
    """axe-core reports no critical or serious violation."""
    found = axe(page)
    assert not found, f"axe-core on {page.url}: {found}"


def check(page, name: str | None = None) -> None:
    """The checks every page of a journey passes: fits the screen, accessible, no error; and a screenshot."""
    assert_fits(page)
    assert_accessible(page)
    assert_clean(page)
    if name:
        shot(page, name)


def shot(page, name: str) -> Path:
    """A screenshot of the viewport in test-artifacts/ (named after the size: map-phone.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{getattr(page, 'size', 'page')}.png"
    page.screenshot(path=str(path))
    return path


def pixels(page, selector: str = "#map") -> np.ndarray:
    """The element's pixels (RGB) as drawn now, with the map's controls and notices hidden."""
    handle = page.add_style_tag(content=HIDE_CONTROLS)
    try:
        png = page.locator(selector).screenshot()
    finally:
        handle.evaluate("node => node.remove()")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def changed(before: np.ndarray, after: np.ndarray, box=None, threshold: int = 24) -> float:
    """Share of pixels (inside box = (x0, y0, x1, y1) in element pixels) whose colour changed noticeably."""
    if box is not None:
        x0, y0, x1, y1 = (int(v) for v in box)
        before, after = before[y0:y1, x0:x1], after[y0:y1, x0:x1]
    diff = np.abs(before - after).sum(axis=2)
    return float((diff > threshold).mean()) if diff.size else 0.0


def around(page, lat: float, lon: float, radius: int = 12, selector: str = "#map") -> tuple[int, int, int, int]:
    """A pixel box around a coordinate of the Leaflet map, in the map element's pixels."""
    point = page.evaluate("([lat, lon]) => window.geoplatform.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    x, y = point["x"], point["y"]
    return (max(0, x - radius), max(0, y - radius), x + radius, y + radius)


def tap_map(page, lat: float, lon: float, selector: str = "#map") -> None:
    """A real tap (touch screens) or click on the map (window.geoplatform.map in that element) at a coordinate."""
    box = page.locator(selector).bounding_box()
    point = page.evaluate("([lat, lon]) => window.geoplatform.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    if page.size == "phone":
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def press(page, selector: str) -> None:
    """A real tap on a phone, a real click on a desktop (never a JavaScript click)."""
    locator = page.locator(selector).first
    if page.size == "phone":
        locator.tap()
    else:
        locator.click()


def login(page, base_url: str, username: str, password: str, next_url: str = "/map/") -> None:
    """Log in through the log-in page, typing as a person does, and land on next_url."""
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.locator("input[name=username]").type(username)
    page.locator("input[name=password]").type(password)
    press(page, "main form button[type=submit]")
    page.wait_for_url(f"{base_url}{next_url}*")
