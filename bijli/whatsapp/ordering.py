"""Per-sender order: one sender's messages are handled one at a time, in arrival order;
different senders run side by side."""
import asyncio
import logging
from typing import Awaitable, Callable, Dict

from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)


class SenderQueues:
    """Chains each sender's jobs: a job starts when the sender's previous one has ended."""

    def __init__(self) -> None:
        self._tails: Dict[str, "asyncio.Task[None]"] = {}

    def submit(self, sender: str, job: Callable[[], Awaitable[None]]) -> "asyncio.Task[None]":
        """Run ``job()`` after the sender's earlier jobs (call from the event loop)."""
        previous = self._tails.get(sender)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait({previous})   # never raises for the previous job's failure
            try:
                await job()
            except Exception:   # one failed turn must not stop the sender's later messages
                logger.exception("whatsapp: handling a message of %s failed", mask_mobile(sender))

        task = asyncio.ensure_future(run())
        self._tails[sender] = task
        task.add_done_callback(lambda done: self._forget(sender, done))
        return task

    def _forget(self, sender: str, done: "asyncio.Task[None]") -> None:
        if self._tails.get(sender) is done:
            del self._tails[sender]

    async def drain(self) -> None:
        """Wait until every submitted job has ended (tests, shutdown)."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))

    def __len__(self) -> int:
        return len(self._tails)
