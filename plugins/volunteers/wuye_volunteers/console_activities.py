"""The console's pages of this area (on console.pages)."""

from __future__ import annotations
