"""The plugin host, and the public API for plugin authors.

    from wuye_core.plugins import hookimpl, PluginInfo, Figure, Event, PluginVeto

Everything a plugin may rely on is exported here or documented in docs/plugins.md; anything
else in wuye_core is private and may change without notice.
"""

from .hookspecs import HOOK_API_VERSION, hookimpl  # noqa: F401
from .types import Event, Figure, Link, PluginInfo, PluginVeto, ReportSection, Role, Schedule  # noqa: F401
