"""QR codes (PNG) of UPI links, made with the ``qrcode`` library (pure-Python PNG)."""
import io

import qrcode
from qrcode.image.pure import PyPNGImage


def qr_png(data: str, box_size: int = 8, border: int = 4) -> bytes:
    """A PNG image of ``data`` as a QR code (error correction M)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                       box_size=box_size, border=border, image_factory=PyPNGImage)
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf)
    return buf.getvalue()
