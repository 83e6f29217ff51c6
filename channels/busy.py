""""The service is busy, please try again in a few minutes" instead of silence.

When the action server is down (or fails), Rasa's processor logs "Encountered an exception
while running action", drops the action's events and ends the turn: the consumer hears
nothing. Every channel wraps its ``on_new_message`` in ``answer_when_busy``, which watches
for that record during the turn (a logging filter and a context variable, since the
processor keeps the failure to itself) and then sends the busy text, in the language of the
message, else of the conversation (its ``language`` slot), else the default. A turn that
raises (the tracker or lock store unreachable) gets the same answer, never a 500.

Rasa still records the user's message and the failed action, so once the action server is
back the same conversation continues from there.
"""
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bijli.i18n import t
from bijli.settings import Settings
from bijli.text import detect_language

logger = logging.getLogger(__name__)

# The record rasa.core.processor._run_action logs for a failed custom action (Rasa 3.6).
FAILED_ACTION = "Encountered an exception while running action"
PROCESSOR_LOGGER = "rasa.core.processor"
LANGUAGE_SLOT = "language"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class _Turn:
    failed: bool = False


_current: ContextVar[Optional[_Turn]] = ContextVar("bijli_busy_turn", default=None)


class _FailedActionWatch(logging.Filter):
    """Marks the current turn failed when the processor reports a failed action; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        turn = _current.get()
        if turn is not None and isinstance(record.msg, str) and record.msg.startswith(FAILED_ACTION):
            turn.failed = True
        return True


def _watch_processor() -> None:
    processor_logger = logging.getLogger(PROCESSOR_LOGGER)
    if not any(isinstance(f, _FailedActionWatch) for f in processor_logger.filters):
        processor_logger.addFilter(_FailedActionWatch())


async def conversation_language(message: UserMessage, default: str) -> str:
    """The message's language, else the conversation's ``language`` slot, else ``default``."""
    spoken = detect_language(message.text)
    if spoken:
        return spoken
    try:
        agent = getattr(Sanic.get_app().ctx, "agent", None)    # the Rasa server of this process
        tracker = await agent.tracker_store.retrieve(message.sender_id) if agent else None
    except Exception:   # no single Sanic app here (SanicException), or the tracker store is down
        tracker = None
    slot = tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None
    return slot if slot in ("hi", "en") else default


async def send_busy(message: UserMessage) -> None:
    """Tell the sender, in their language, that the service is busy."""
    settings = Settings.from_env()
    lang = await conversation_language(message, settings.default_language)
    try:
        await message.output_channel.send_text_message(
            message.sender_id, t("service_busy", lang, helpline=settings.helpline))
    except Exception:
        logger.exception("busy: the busy answer could not be sent")


def answer_when_busy(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` that answers "service busy" when the turn's actions could not run."""
    _watch_processor()

    async def handle(message: UserMessage) -> Any:
        turn = _Turn()
        token = _current.set(turn)
        result = None
        try:
            result = await on_new_message(message)
        except Exception:
            logger.exception("busy: a turn failed on channel %s", message.input_channel)
            turn.failed = True
        finally:
            _current.reset(token)
        if turn.failed:
            logger.warning("busy: a turn could not be served on %s; the sender is told to try again later",
                           message.input_channel)
            await send_busy(message)
        return result

    return handle
