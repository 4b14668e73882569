"""`python -m wuye_core.cli`, the same as `wuye`."""

from . import main

main()
