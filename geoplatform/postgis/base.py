"""GeoDjango's PostGIS backend whose per-request health check reads the socket instead of asking the server.

Django's ``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` at the first query of every request that reuses a
connection: a round trip per request, about a sixth of a small vector tile's time here. A connection
idle between requests has nothing to read unless the server said goodbye: a restart, an
``idle_session_timeout`` or ``pg_terminate_backend`` sends an error and closes the socket, and a crashed
server's kernel closes it. So a socket readable while idle means a dead connection, and a quiet one a
live one. Polling it costs a system call. A server gone without a word (a cable cut) is not seen this
way, but ``SELECT 1`` would not see it either until TCP gave up. After an error in a request, Django's
own full check (``is_usable``, a round trip) still decides.
"""

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from psycopg import pq


def quiet(connection) -> bool:
    """Whether an idle psycopg connection is open, outside a transaction, with nothing sent to it since."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    # Readable, hung up or in error while no query is running: the server's goodbye or end of file.
    return not poller.poll(0)


class DatabaseWrapper(PostGISDatabaseWrapper):
    """PostGIS with the round-trip-free health check between requests."""

    def close_if_health_check_failed(self):
        """Close the reused connection when its socket shows the server has gone (once per request)."""
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not quiet(self.connection):
            self.close()
        self.health_check_done = True
