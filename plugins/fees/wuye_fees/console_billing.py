"""The console pages of the billing area (see console.py)."""

from __future__ import annotations
