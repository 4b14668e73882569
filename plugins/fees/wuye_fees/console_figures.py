"""The console pages of the figures area (see console.py)."""

from __future__ import annotations
