"""Where the project's own files are, found from this file rather than the working directory."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = PROJECT_ROOT / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LOCALES_DIR = PROJECT_ROOT / "locales"
SERVER_DIR = PROJECT_ROOT / "server"
