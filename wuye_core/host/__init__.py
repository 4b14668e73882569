"""The plugin host (private): the hook specifications, discovery and validation of installed
plugins, per-tenant enablement and dispatch, and the gate in front of plugin routes.

Plugins never import this package; they import the public facade `wuye_core.plugins`, which
re-exports what they may use from here. The core's features call hooks through `dispatch`.
"""
