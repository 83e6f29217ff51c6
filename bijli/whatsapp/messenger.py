"""Sends the assistant's replies to a WhatsApp user (blocking; run in an executor).

``deliver`` takes one bot message as Rasa hands it to an output channel
(``text``, ``buttons``/``quick_replies``, ``image``, ``custom``) and sends what
Meta accepts, in order. A payment QR from our own server is downloaded and
uploaded as media, then sent by id; another https image goes by link. Opt-outs
(131050) and refusals outside the 24-hour window (131047) are recorded per
recipient for the reminders (issue 9, part 3).
"""
import logging
from typing import Any, Dict, List, Optional, Tuple

import requests

from bijli.db import Database
from bijli.i18n import t
from bijli.preferences import get_language
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.text import detect_language
from bijli.whatsapp import outgoing, store
from bijli.whatsapp.client import GraphClient, SendResult

logger = logging.getLogger(__name__)

IMAGE_TYPES = ("image/png", "image/jpeg")
IMAGE_LIMIT_BYTES = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 10.0


class Messenger:
    """One business number's outgoing side: mapping, media and the per-recipient marks."""

    def __init__(self, client: GraphClient, db: Database, settings: Settings):
        self.client = client
        self.db = db
        self.settings = settings

    # -- sending --------------------------------------------------------------------

    def _send(self, to: str, content: Dict[str, Any]) -> SendResult:
        result = self.client.send(to, content)
        try:
            if result.opted_out:
                store.mark_opted_out(self.db, to, result.error_code)
            elif result.outside_window:
                store.mark_window_closed(self.db, to, result.error_code)
        except Exception:   # a lost mark must not stop the rest of the reply
            logger.exception("whatsapp: could not record error %s for %s", result.error_code, mask_mobile(to))
        return result

    def _lang(self, text: str) -> str:
        return detect_language(text or "") or self.settings.default_language

    def deliver(self, to: str, message: Dict[str, Any]) -> List[SendResult]:
        """Send one bot message (Rasa's dict) to ``to``; the results in order."""
        text = str(message.get("text") or "")
        buttons = message.get("buttons") or message.get("quick_replies") or []
        image = message.get("image")
        custom = message.get("custom")
        contents: List[Dict[str, Any]] = []
        caption: Optional[str] = None
        if buttons:
            contents += outgoing.button_contents(text, buttons, self._lang(text))
        elif text and image and len(text) <= outgoing.CAPTION_LIMIT:
            caption = text      # "scan this QR" reads best under the picture itself
        elif text:
            contents += outgoing.text_contents(text)
        if isinstance(custom, dict) and custom:
            contents.append(outgoing.custom_content(custom))
        results = [self._send(to, c) for c in contents]
        if image:
            results.append(self.send_image(to, str(image), caption))
        return results

    def send_text(self, to: str, text: str) -> List[SendResult]:
        """Plain text, split as Meta requires."""
        return [self._send(to, c) for c in outgoing.text_contents(text)]

    def notice_unreadable(self, to: str) -> List[SendResult]:
        """The polite reply to a voice note, photo, sticker, ...: in the sender's stored language."""
        lang = get_language(self.db, to) or self.settings.default_language
        return self.send_text(to, t("whatsapp_unreadable", lang))

    # -- images -----------------------------------------------------------------------

    def _ours(self, url: str) -> bool:
        base = self.settings.public_base_url.rstrip("/") + "/"
        return url.startswith(base)

    def _download(self, url: str) -> Optional[Tuple[bytes, str]]:
        try:
            answer = requests.get(url, timeout=DOWNLOAD_TIMEOUT_SECONDS, stream=True)
            mime = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if answer.status_code != 200 or mime not in IMAGE_TYPES:
                logger.warning("whatsapp: image %s not usable (HTTP %s, %s)", url.rsplit("/", 1)[-1],
                               answer.status_code, mime or "no type")
                return None
            data = answer.raw.read(IMAGE_LIMIT_BYTES + 1, decode_content=True)
        except requests.RequestException as e:
            logger.warning("whatsapp: image download failed: %s", type(e).__name__)
            return None
        if len(data) > IMAGE_LIMIT_BYTES:
            logger.warning("whatsapp: image over 5 MB not sent")
            return None
        return data, mime

    def send_image(self, to: str, url: str, caption: Optional[str] = None) -> SendResult:
        """An image: ours is uploaded and sent by media id; a public https one goes by link."""
        if self._ours(url):
            got = self._download(url)
            if got is not None:
                data, mime = got
                name = url.rsplit("/", 1)[-1] or ("image.png" if mime == "image/png" else "image.jpg")
                uploaded = self.client.upload_media(data, mime, name, recipient=to)
                if uploaded.ok and uploaded.id:
                    return self._send(to, outgoing.image_content(media_id=uploaded.id, caption=caption))
        if url.startswith("https://"):
            return self._send(to, outgoing.image_content(link=url, caption=caption))
        # Neither uploadable nor reachable by Meta: the words still get through.
        logger.warning("whatsapp: image for %s not sent (not ours and not https)", mask_mobile(to))
        results = self.send_text(to, caption or "")
        return results[-1] if results else SendResult(ok=False, detail="image not sent")
