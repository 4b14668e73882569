"""The console pages of the ledger area (see console.py)."""

from __future__ import annotations
