"""The local fake payment gateway and Graph API of the production topology (make prod).

``python -m scripts.prod.fakes GATEWAY_PORT GRAPH_PORT`` serves tests/fakes/razorpay.py and
tests/fakes/graph.py on those loopback ports until stopped. They stand in for Razorpay and
Meta on a machine with no network: never point real keys at them.
"""
import signal
import sys
import threading
from http.server import ThreadingHTTPServer
from types import ModuleType
from typing import Any, List

from tests.fakes import graph, razorpay


def _on_port(module: ModuleType, port: int) -> None:
    """Make the fake in ``module`` bind ``port`` instead of a free one."""
    class Server(ThreadingHTTPServer):
        def __init__(self, address: Any, handler: Any) -> None:
            super().__init__((address[0], port), handler)

    module.ThreadingHTTPServer = Server  # type: ignore[attr-defined]


def main(argv: List[str]) -> int:
    """Serve both fakes until SIGTERM or SIGINT."""
    gateway_port, graph_port = int(argv[1]), int(argv[2])
    _on_port(razorpay, gateway_port)
    _on_port(graph, graph_port)
    fakes = [razorpay.FakeRazorpay().start(), graph.FakeGraph().start()]
    print(f"local fake Razorpay on {fakes[0].url}, fake Graph API on 127.0.0.1:{graph_port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for fake in fakes:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
