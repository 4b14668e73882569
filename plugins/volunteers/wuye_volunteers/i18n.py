"""The plugin's catalog (domain `volunteers`, in translations/): `_` translates now, `N_` where shown."""

from wuye_core.plugins import translator

_, N_ = translator("volunteers")
