"""Tile cache shared by every web worker (Redis), keyed by each layer's data version.

A layer's version is a Redis counter bumped after every committed ORM write to its model and
after every ingest run ends (``connect``), so a cached tile is never served once its rows
changed: the key holds the version. Entries also expire after TTL seconds, which bounds how long
a write that bypasses both (a raw SQL UPDATE by hand) can leave a tile stale. Redis being down
only turns the cache off (tiles are then computed as before, ETags from their bytes).
"""

import hashlib
import logging

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)
TTL = 600  # seconds
_PREFIX = "geoplatform:tiles"
_clients: dict[str, redis.Redis] = {}


def client() -> redis.Redis | None:
    """The Redis client of the cache, or None when the cache is off (GEOPLATFORM_TILE_CACHE_URL empty)."""
    url = getattr(settings, "TILE_CACHE_URL", "")
    if not url:
        return None
    if url not in _clients:
        # Short timeouts: a slow cache must not be slower than computing the tile.
        _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _clients[url]


def _scope() -> str:
    # One Redis may serve several databases (scratch bench databases, test databases).
    return f"{_PREFIX}:{connection.settings_dict['NAME']}"


def version(slug: str) -> int | None:
    """The layer's data version, or None when the cache is off or unreachable."""
    r = client()
    if r is None:
        return None
    try:
        return int(r.get(f"{_scope()}:version:{slug}") or 0)
    except redis.RedisError as exc:
        log.warning("tile cache unreachable: %s", exc)
        return None


def bump(*slugs: str) -> None:
    """Give these layers a new data version (their cached tiles and ETags are no longer used)."""
    r = client()
    if r is None or not slugs:
        return
    try:
        with r.pipeline(transaction=False) as pipe:
            for slug in slugs:
                pipe.incr(f"{_scope()}:version:{slug}")
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("tile cache version not bumped for %s: %s", slugs, exc)


def bump_after_commit(*slugs: str) -> None:
    """Bump now (readers in this transaction) and again once it commits.

    The second bump is what makes it safe: a reader that cached the old rows under the first new
    version, before the commit, is never served again.
    """
    bump(*slugs)
    transaction.on_commit(lambda: bump(*slugs))


def key(slug: str, data_version: int, text: str, variant: str) -> str:
    """The cache key of one tile: layer, version, digest of its exact statement and parameters, encoding."""
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"{_scope()}:{slug}:{data_version}:{digest}:{variant}"


def get(cache_key: str) -> tuple[bytes, bool] | None:
    """(body, aggregated) of a cached tile, or None."""
    r = client()
    if r is None:
        return None
    try:
        value = r.get(cache_key)
    except redis.RedisError:
        return None
    if value is None:
        return None
    return value[1:], value[:1] == b"A"


def put(cache_key: str, body: bytes, aggregated: bool) -> None:
    """Keep a tile's body for TTL seconds."""
    r = client()
    if r is None:
        return
    try:
        r.set(cache_key, (b"A" if aggregated else b"D") + body, ex=TTL)
    except redis.RedisError as exc:
        log.warning("tile not cached: %s", exc)


def _slugs_of(model) -> tuple[str, ...]:
    from layers.registry import registry

    return tuple(layer.slug for layer in registry.all() if layer.model_class is model)


def _changed(sender, **kwargs) -> None:
    slugs = _slugs_of(sender)
    if slugs:
        bump_after_commit(*slugs)


def _ingested(sender, instance, **kwargs) -> None:
    # Ingests write in bulk SQL (no model signals); their run record is saved when they end.
    if instance.status in ("succeeded", "failed"):
        from layers.registry import registry

        bump_after_commit(*(layer.slug for layer in registry.all()))


def connect() -> None:
    """Bump a layer's version after each write to its model, and every layer's after an ingest run."""
    from ingest.models import IngestRun

    # Any sender: the registry is filled by the theme apps, which may be ready after this one.
    post_save.connect(_changed, weak=False, dispatch_uid="tilecache:save")
    post_delete.connect(_changed, weak=False, dispatch_uid="tilecache:delete")
    post_save.connect(_ingested, sender=IngestRun, weak=False, dispatch_uid="tilecache:ingest")
