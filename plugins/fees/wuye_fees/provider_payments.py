"""Payments reported by a payment-provider plugin (payments area)."""

from __future__ import annotations


def on_plugin_event(event) -> None:
    return None
