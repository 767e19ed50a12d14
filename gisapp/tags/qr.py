"""QR codes for asset labels: the same symbol as SVG, PNG, or a module matrix for the PDF.

Labels hang outdoors on poles for years, get dirty, scratched and faded, and are scanned
by the phone's own camera app. So every code here uses error correction level Q (about
25 % of the codewords may be lost and it still reads; H, at 30 %, would need a denser
symbol with smaller modules on the same label) and the quiet zone of 4 modules that
ISO/IEC 18004 requires: without it camera apps often fail on a label against a dark pole.
The PDF sheets do not embed a bitmap: they draw the matrix as vector squares, crisp at any
printer resolution.
"""

from __future__ import annotations

from io import BytesIO

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

#: Quiet zone around the symbol, in modules, as the standard requires.
QUIET_ZONE = 4
#: Error correction level, as zxing and the standard name it.
ERROR_CORRECTION = "Q"


def _code(url: str, box_size: int = 10) -> qrcode.QRCode:
    if not url:
        raise ValueError("a QR code needs a URL")
    if box_size < 1:
        raise ValueError("box_size must be at least one pixel")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=box_size)
    code.add_data(url)
    code.make(fit=True)  # the smallest version that holds the URL at level Q
    return code


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the URL's QR code, quiet zone included, row by row (True = dark)."""
    return _code(url).get_matrix()


def qr_svg(url: str) -> bytes:
    """A standalone SVG of the URL's QR code: one path on a white background, 1 mm a module.

    The white background keeps the code readable where the SVG is shown on a dark page.
    """
    out = BytesIO()
    _code(url).make_image(image_factory=SvgPathFillImage).save(out)
    return out.getvalue()


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A black-and-white PNG of the URL's QR code, ``box_size`` pixels a module."""
    out = BytesIO()
    _code(url, box_size).make_image(image_factory=PilImage).save(out, format="PNG")
    return out.getvalue()
