"""The plugin's catalog (domain `fees`, in translations/): `_` translates now, `N_` where shown."""

from wuye_core.plugins import translator

_, N_ = translator("fees")
