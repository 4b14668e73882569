"""`wuye serve`: the development server (production runs gunicorn on wsgi.py)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.pass_context
def serve(ctx, host, port):
    """开发服务器 / Development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple  # app.run() refuses to run under the flask CLI

    app = ctx.ensure_object(ScriptInfo).load_app()  # the app the command line builds
    if not app.config["WUYE"].redis_url:  # the embedded default: periodic work in this process
        from ..jobs.schedule import start_embedded_thread

        start_embedded_thread(app)
    click.echo(f"wuye: http://{host}:{port}/api/v1/docs", err=True)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
