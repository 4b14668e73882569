"""The console pages of the payments area (see console.py)."""

from __future__ import annotations
