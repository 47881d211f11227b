"""Alongside: the field tool of victim protection coordinators and shelter staff."""

import os

# Piccolo finds its configuration through this module path from any working directory.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
