"""The console pages of the exchange area (see console.py)."""

from __future__ import annotations
