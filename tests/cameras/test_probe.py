"""The camera probe against real loopback servers: each bad answer a clear reason, within the deadline."""

import socket
import time

import pytest
from PIL import Image

from layers.cameras import probe

from .servers import CameraServer

FAST = probe.Policy(timeout_s=1.5, max_bytes=2 * 1024 * 1024)


def test_a_camera_answering_a_jpeg_is_online_and_its_snapshot_is_resized():
    with CameraServer() as cam:
        result = probe.probe(cam.url, FAST)
    assert result.ok and result.reason == probe.OK
    img = Image.open(__import__("io").BytesIO(result.jpeg))
    assert img.format == "JPEG" and (result.width, result.height) == img.size
    assert img.size[0] <= probe.THUMB_SIZE[0]


def test_a_server_that_goes_down_is_unreachable_and_back_when_it_comes_back():
    cam = CameraServer()
    try:
        assert probe.probe(cam.url, FAST).ok
        cam.stop()
        down = probe.probe(cam.url, FAST)
        assert (down.ok, down.reason) == (False, probe.UNREACHABLE)
        assert "refused" in down.detail.lower()
        cam.start()
        assert probe.probe(cam.url, FAST).ok
    finally:
        cam.stop()


@pytest.mark.parametrize("mode", ["slow", "drip"])
def test_a_slow_server_times_out_within_the_deadline(mode):
    with CameraServer(mode) as cam:
        started = time.monotonic()
        result = probe.probe(cam.url, FAST)
        took = time.monotonic() - started
    assert (result.ok, result.reason) == (False, probe.TIMEOUT), result
    assert took < FAST.timeout_s + 1.0, took


@pytest.mark.parametrize("mode", ["garbage", "truncated"])
def test_an_answer_that_is_no_decodable_jpeg_says_so(mode):
    with CameraServer(mode) as cam:
        result = probe.probe(cam.url, FAST)
    assert (result.ok, result.reason) == (False, probe.NOT_IMAGE), result
    assert result.jpeg is None


@pytest.mark.parametrize("mode", ["huge", "huge-chunked"])
def test_a_huge_answer_is_refused_at_the_cap_without_reading_it_all(mode):
    with CameraServer(mode) as cam:
        started = time.monotonic()
        result = probe.probe(cam.url, FAST)
        took = time.monotonic() - started
    assert (result.ok, result.reason) == (False, probe.TOO_LARGE), result
    assert took < 2.0


def test_a_redirect_to_another_host_is_refused_and_one_to_itself_followed():
    with CameraServer("redirect-other") as cam:
        result = probe.probe(cam.url, FAST)
        assert (result.ok, result.reason) == (False, probe.REDIRECT_OTHER_HOST)
        assert "203.0.113.9" in result.detail
        assert cam.hits == 1  # the other host was never asked
        cam.mode = "redirect-same"
        assert probe.probe(cam.url, FAST).ok


def test_a_status_url_needs_a_2xx_and_credentials_go_as_basic_auth():
    with CameraServer("status-500") as cam:
        result = probe.probe(cam.url, FAST, kind="status", username="u", password="p")
        assert (result.ok, result.reason) == (False, probe.HTTP_STATUS)
        assert "500" in result.detail
        assert cam.auth[-1] == "Basic dTpw"
        cam.mode = "garbage"
        assert probe.probe(cam.url, FAST, kind="status").ok


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://8.8.8.8/snap.jpg",  # outside the camera networks
        "http://[fe80::1]/snap.jpg",
        "rtsp://169.254.1.1/stream",
    ],
)
def test_addresses_outside_the_camera_networks_are_refused_before_any_connection(url):
    result = probe.probe(url, FAST, kind="rtsp" if url.startswith("rtsp") else "snapshot")
    assert (result.ok, result.reason) == (False, probe.REFUSED), result


def test_the_platforms_own_services_are_refused_even_on_an_allowed_network():
    with CameraServer() as cam:
        rules = probe.Policy.build(["127.0.0.0/8"], [f"localhost:{cam.port}"], 1.5, 1024 * 1024)
        result = probe.probe(cam.url, rules)
        assert (result.ok, result.reason) == (False, probe.REFUSED)
        assert cam.hits == 0
        # Only that port: the same host on another port is a camera like any other.
        assert probe.check_address("127.0.0.1", cam.port + 1, rules).ok


def test_a_networks_setting_without_loopback_refuses_loopback():
    rules = probe.Policy.build(["10.0.0.0/8"], [], 1.0, 1024)
    assert probe.check_address("127.0.0.1", 80, rules).reason == probe.REFUSED
    assert probe.probe("ftp://10.0.0.1/x", rules).reason == probe.BAD_URL


def test_an_rtsp_probe_of_a_port_that_speaks_no_rtsp_fails_with_a_reason_in_time():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    started = time.monotonic()
    result = probe.probe(f"rtsp://admin:s3cret@127.0.0.1:{port}/Streaming/Channels/101", FAST, kind="rtsp")
    assert not result.ok and result.reason in (probe.UNREACHABLE, probe.NO_STREAM), result
    assert "s3cret" not in result.detail
    assert time.monotonic() - started < FAST.timeout_s + 3
