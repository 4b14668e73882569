"""Idempotent POSTs: the `Idempotency-Key` header, for every POST route of the API.

- guard.py: the request hooks (claim the key, replay the first answer, keep the answer);
- fingerprint.py: what makes a retry "the same request";
- models.py: the stored answers (per tenant and user; per platform operator);
- purge.py: the periodic deletion of expired keys;
- openapi.py: the header in the OpenAPI document of every POST operation.

app.py wires it: `openapi.IdempotencyKeyDoc` into the Api, `guard.install(app)` after the
blueprints, `purge.register_jobs(jobs)` with the other features' jobs.
"""

from .guard import HEADER, REPLAYED, install  # noqa: F401
from .models import IdempotencyKey, PlatformIdempotencyKey  # noqa: F401
