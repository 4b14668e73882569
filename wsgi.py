"""gunicorn entry point: `gunicorn wsgi:app`."""

from wuye_core.app import create_app

app = create_app()
