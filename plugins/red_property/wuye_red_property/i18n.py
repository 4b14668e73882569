"""The plugin's catalog (domain `red_property`, in translations/): `_` translates now, `N_` where shown."""

from wuye_core.plugins import translator

_, N_ = translator("red_property")
