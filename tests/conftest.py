"""The fixtures live in wuye_core.testing (a pytest plugin shipped for plugin authors too)."""
