"""Rasa's Redis lock store with every change to a lock made atomically in Redis.

Rasa Open Source's ``RedisLockStore`` changes a conversation's ticket lock by reading it
(GET), changing it in Python and writing it back (SET). Two instances that do this at the
same moment both read the same lock: both issue ticket 0, both believe they are served,
and both process the conversation at once (RasaHQ/rasa PR 11256; the fix,
``ConcurrentRedisLockStore``, went only into Rasa Pro). With the SQL tracker store the
second save then skips as many events as the first one wrote, so a turn's events are lost.
``tests/prod`` measures it: two messages of one sender sent at once to the two instances.

Here each read-change-write runs in an optimistic Redis transaction (WATCH the key, MULTI,
EXEC; redo on a concurrent change), and a lock is deleted only in the transaction that
sees it empty. Endpoint keys are those of ``type: redis``.
"""
import json
from typing import Any, Callable, List, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket changes are atomic across instances."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Change[T]) -> T:
        """Apply ``change`` to the stored lock in one WATCH/MULTI/EXEC (None deletes it)."""
        key = self.key_prefix + conversation_id
        outcome: List[T] = []

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, value = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            outcome[:] = [value]     # redis-py reruns this after a concurrent change

        self.red.transaction(transaction, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket; no other instance can be given the same number."""
        def issue(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets without overwriting tickets issued meanwhile."""
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove this ticket only."""
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove this ticket, and the lock if no ticket is left, in one transaction."""
        def finish_and_drop(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish_and_drop)
