"""Our Rasa input channels on a real Sanic server on loopback, as ``rasa run`` mounts them.

Each channel's blueprint is mounted at ``/webhooks/<name>`` and ``app.ctx.input_channels``
is set, as Rasa does; ``on_new_message`` records what would reach Rasa (``received``).
The server runs on its own event loop in a daemon thread, so a test talks to it over
HTTP with ``requests``. Sanic 21.12 can start several apps in one process only in test
mode (``tests/unit/conftest.py`` sets it).
"""
import asyncio
import threading
import time
import uuid
from typing import Any, List, Sequence

from sanic import Sanic

from tests.e2e.harness import free_port

WAIT_SECONDS = 60.0


class LoopbackChannels:
    """``channels`` served on 127.0.0.1:``port``; ``received`` holds the messages given to Rasa."""

    def __init__(self, channels: Sequence[Any]) -> None:
        self.channels = list(channels)
        self.received: List = []
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        assert ready.wait(WAIT_SECONDS), "the test server did not start"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def on_new_message(message) -> None:
            self.received.append(message)

        async def start() -> None:
            app = Sanic(f"channels_test_{uuid.uuid4().hex}")
            for channel in self.channels:
                app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
            app.ctx.input_channels = self.channels
            self.server = await app.create_server(host="127.0.0.1", port=self.port, debug=False,
                                                  access_log=False, return_asyncio_server=True)
            await self.server.startup()

        self.loop.run_until_complete(start())
        ready.set()
        self.loop.run_forever()

    def wait_for(self, count: int) -> List:
        """The messages received, once there are ``count`` (some channels answer in the background)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"only {len(self.received)} message(s) reached Rasa"
            time.sleep(0.05)
        return list(self.received)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
