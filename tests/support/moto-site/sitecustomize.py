# Loaded by the moto_server that tests/support/moto.ts starts (PYTHONPATH), before moto serves anything.
# Test speed only, nothing moto answers changes:
# - moto 5.2.1 lists its own package folder (a listdir and 200 isdir calls) on every request to find the
#   request's service, holding the lock every request takes: a third of its CPU time in the burst test.
#   The folder does not change while it runs, so the list is made once.
# - werkzeug logs every request to a pipe nobody reads past startup; warnings and errors (a port in use) still show.
import functools
import logging

try:
    from moto import backends
except ImportError:
    backends = None
# Another moto version may not have it: it then runs as it comes.
listed = getattr(backends, "list_of_moto_modules", None)
if listed is not None:
    backends.list_of_moto_modules = functools.cache(lambda: frozenset(listed()))

logging.getLogger("werkzeug").setLevel(logging.WARNING)
