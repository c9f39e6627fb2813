"""Runs the Autobahn TestSuite's `wstest` with every listening socket on 127.0.0.1.

wstest (Python 2.7) binds its servers to all interfaces. This launcher, which the installed
`wstest` wrapper runs in place of the suite's own entry point, gives each listen call that names
no interface the loopback address, and silences the Python 2 deprecation warning of the
`cryptography` package. It must stay valid Python 2.7.
"""

import sys
import warnings

warnings.filterwarnings("ignore", message="Python 2 is no longer supported")

# Importing the suite first lets it pick its reactor (epoll) before the reactor is touched here.
from autobahntestsuite.wstest import run  # noqa: E402
from twisted.internet import reactor  # noqa: E402

LOOPBACK = "127.0.0.1"
_listen_tcp = reactor.listenTCP
_listen_ssl = reactor.listenSSL


def _loopback_tcp(port, factory, backlog=50, interface=""):
    return _listen_tcp(port, factory, backlog, interface or LOOPBACK)


def _loopback_ssl(port, factory, context_factory, backlog=50, interface=""):
    return _listen_ssl(port, factory, context_factory, backlog, interface or LOOPBACK)


reactor.listenTCP = _loopback_tcp
reactor.listenSSL = _loopback_ssl

if __name__ == "__main__":
    sys.argv[0] = "wstest"
    sys.exit(run())
