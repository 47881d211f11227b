"""A strict Content-Security-Policy with a fresh nonce per page: only the page's own script
tags run; JSON and files get a policy without one."""

from __future__ import annotations

import re

from server.core.paths import TEMPLATES_DIR
from tests.support.accounts import log_in, make_user

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{20,})'")


def script_src(header: str) -> str:
    return next(part for part in header.split("; ") if part.startswith("script-src"))


def test_each_page_has_its_own_nonce_and_every_script_carries_it(client):
    nonces = set()
    make_user("ion")
    for path in ("/login", "/login"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        (nonce,) = NONCE.findall(policy)
        assert "'strict-dynamic'" in script_src(policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        tags = re.findall(r"<script\b[^>]*>", response.text)
        assert tags
        assert all(f'nonce="{nonce}"' in tag for tag in tags), tags
        nonces.add(nonce)
    assert len(nonces) == 2
    log_in(client, "ion")
    home = client.get("/")
    (nonce,) = NONCE.findall(home.headers["content-security-policy"])
    tags = re.findall(r"<script\b[^>]*>", home.text)
    assert len(tags) >= 4 and all(f'nonce="{nonce}"' in tag for tag in tags)
    # An error page is a page too.
    missing = client.get("/entries/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    (nonce,) = NONCE.findall(missing.headers["content-security-policy"])
    assert f'nonce="{nonce}"' in missing.text


def test_json_and_files_get_a_policy_without_a_nonce(client):
    for path in ("/api/v1/sealing-key", "/sw.js", "/manifest.webmanifest"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert script_src(policy) == "script-src 'self'"
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy


def test_every_script_tag_in_every_template_carries_the_nonce():
    for template in TEMPLATES_DIR.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(encoding="utf-8")):
            assert 'nonce="{{ csp_nonce }}"' in tag, f"{template}: {tag}"
