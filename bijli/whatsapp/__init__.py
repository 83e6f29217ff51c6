"""WhatsApp Cloud API (issue 9), without Rasa.

- ``signature``: Meta's GET handshake and the ``X-Hub-Signature-256`` check;
- ``incoming``: a webhook body parsed into messages and statuses;
- ``webhook``: accepting a POST (signature, durable dedup by ``wamid``);
- ``ordering``: one sender's messages handled in order;
- ``outgoing``: Rasa's messages mapped to what Meta accepts (limits);
- ``client``: the Graph API calls (timeouts, retries, codes not to retry);
- ``messenger``: a bot message sent (media upload, per-recipient marks);
- ``statuses``: ``statuses[]`` callbacks (``type: payment`` goes to part 2);
- ``store``/``models``: seen message ids and per-contact marks.

The Rasa adapter is ``channels/whatsapp.py``.
"""
