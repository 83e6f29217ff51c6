"""Sizes the assistant accepts from outside, in one place (README, "Security").

Rasa runs the NLU graph on its event loop, so the time one message takes to parse is
time no other conversation, webhook or payment event is served. Every channel cuts a
message to ``MAX_MESSAGE_CHARS`` before the NLU (WhatsApp's own limit for a text
message is 4,096 characters), and every webhook refuses a body over
``MAX_WEBHOOK_BODY_BYTES`` before it computes an HMAC (Sanic's default is 100 MB).
"""
import logging
from typing import Optional

from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096
MAX_WEBHOOK_BODY_BYTES = 1_000_000


def clip_message(text: Optional[str], channel: str, sender: str) -> Optional[str]:
    """``text`` cut to ``MAX_MESSAGE_CHARS``, with a log line when it was longer."""
    if text is None or len(text) <= MAX_MESSAGE_CHARS:
        return text
    logger.warning("%s: message from %s cut from %d to %d characters", channel,
                   mask_mobile(sender), len(text), MAX_MESSAGE_CHARS)
    return text[:MAX_MESSAGE_CHARS]
