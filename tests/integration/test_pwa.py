"""The installable app: manifest, icons and the service worker's precache list."""

from __future__ import annotations

import json
import re
import struct
from urllib.parse import urlsplit

import pytest

from tests.support.accounts import log_in, make_user

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first chunk, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, chunk_type = struct.unpack(">I4s", data[8:16])
    assert chunk_type == b"IHDR" and length == 13, "a PNG starts with IHDR"
    return struct.unpack(">II", data[16:24])


def precache_list(source: str) -> list[str]:
    match = re.search(r"const PRECACHE = (\[.*?\]);", source, re.DOTALL)
    assert match, "sw.js has no `const PRECACHE = [...]` list"
    return json.loads(match.group(1))


@pytest.fixture
def manifest(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    return response.json()


def test_manifest_fields(manifest):
    assert manifest["name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    maskable = [icon for icon in manifest["icons"] if "maskable" in icon.get("purpose", "").split()]
    assert len(maskable) >= 1


def test_every_icon_is_a_png_of_the_stated_size(client, manifest):
    assert manifest["icons"]
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.headers["content-type"] == "image/png", icon["src"]
        assert icon["type"] == "image/png"
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert png_size(response.content) == (width, height), icon["src"]


def test_png_size_reader():
    header = PNG_SIGNATURE + struct.pack(">I4sII", 13, b"IHDR", 192, 96) + b"\x08\x06\x00\x00\x00"
    assert png_size(header) == (192, 96)
    with pytest.raises(AssertionError):
        png_size(b"GIF89a" + b"\x00" * 30)


def test_service_worker_is_javascript_with_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type in {"text/javascript", "application/javascript"}
    assert response.headers.get("service-worker-allowed") == "/"
    assert "__PRECACHE__" not in response.text
    assert "__CACHE_VERSION__" not in response.text
    # A browser must look for a new worker on every visit.
    assert "max-age" not in response.headers.get("cache-control", "")


def test_precache_holds_only_the_offline_page_and_static_files(client):
    precache = precache_list(client.get("/sw.js").text)
    assert "/offline" in precache
    for url in precache:
        path = urlsplit(url).path
        assert path == "/offline" or path.startswith("/static/"), url
    assert "/" not in precache


def test_every_precached_url_answers_200(client):
    # cache.addAll() rejects the whole install when one URL fails.
    make_user("ion")
    log_in(client, "ion")
    for url in precache_list(client.get("/sw.js").text):
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_offline_page_shows_nobody_even_when_fetched_with_a_session(client):
    # The service worker caches it with the session's cookies, and keeps it after the session.
    make_user("zoltanq")
    log_in(client, "zoltanq")
    response = client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.text
    assert "zoltanq" not in response.text
    assert 'action="/logout"' not in response.text


def test_fingerprinted_static_files_are_immutable_and_plain_module_paths_revalidated(client):
    from server.core.templating import STATIC_VERSION

    pinned = client.get(f"/static/js/app.js?v={STATIC_VERSION}")
    assert pinned.status_code == 200
    assert "immutable" in pinned.headers["cache-control"]
    plain = client.get("/static/js/sync.js")
    assert plain.status_code == 200
    assert plain.headers["cache-control"] == "no-cache"
