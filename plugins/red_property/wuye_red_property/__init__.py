"""The wuye plugin `red_property`: 红色物业 · 三方联动 (red property joint governance)."""
