"""Test configuration: under CI, hypothesis draws the same examples on every run (no flaky CI)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
