"""Running requests at the same moment, for the race tests (PostgreSQL)."""

import threading

from django.db import close_old_connections, connection


def race(targets) -> list:
    """Runs each callable in its own thread with its own connection, all released at once by a
    barrier; returns what they returned, in the order they finished."""
    barrier = threading.Barrier(len(targets))
    results = []

    def run(target):
        close_old_connections()
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
