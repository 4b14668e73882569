"""gunicorn entry point: `gunicorn wsgi:app`."""

import gc

from wuye_core.app import create_app

app = create_app()
# What the app built at start-up lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise walk all of it and stall a request now and then.
gc.freeze()
