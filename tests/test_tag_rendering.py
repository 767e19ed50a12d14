"""Label rendering, checked the way a phone and a printer see it: every QR code on every PDF
layout rasterised and decoded back to its URL, on its page and in its place, with level Q and
a free quiet zone; NDEF bytes against the NFC Forum URI record layout; the CSV for encoding
services; text that is too long shrunk or cut, never over a QR code. No database."""

from __future__ import annotations

import base64
import csv
import io
import math
import random
import re
import xml.etree.ElementTree as ET

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from gisapp.tags.labels import LAYOUTS, LabelSpec, get_layout, render_labels
from gisapp.tags.ndef import ndef_hex, ndef_uri_message, nfc_csv, parse_ndef_uri
from gisapp.tags.qr import qr_matrix, qr_png, qr_svg

DPI = 300
PX_PER_MM = DPI / 25.4
BASE = "https://gis.example.de/t/"
FOOTER = "Schaden melden? Code scannen"


def a_url(seed: int) -> str:
    """A label URL with a token like the real ones: 128 random bits, URL-safe, 22 chars."""
    token = base64.urlsafe_b64encode(random.Random(seed).randbytes(16)).rstrip(b"=")
    return BASE + token.decode()


def specs(count: int, **overrides) -> list[LabelSpec]:
    return [LabelSpec(**{"url": a_url(i), "short_code": f"DEMO-SL-{i + 142:04d}",
                         "municipality": "Gemeinde Musterdorf", "type_label": "Straßenleuchte",
                         "footer": FOOTER, **overrides}) for i in range(count)]


def pages(pdf: bytes) -> list[Image.Image]:
    return [page.render(scale=DPI / 72, grayscale=True).to_pil()
            for page in pdfium.PdfDocument(pdf)]


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def symbol_box(code: zxingcpp.Barcode) -> tuple[float, float, float, float]:
    """The symbol without its quiet zone, in pixels: left, top, right, bottom."""
    p = code.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def modules(code: zxingcpp.Barcode) -> int:
    return 17 + 4 * int(code.extra["Version"])


def assert_quiet_zone_free(image: Image.Image, code: zxingcpp.Barcode) -> None:
    """No ink in the 4 modules around the symbol (a pixel of tolerance at either edge)."""
    left, top, right, bottom = (round(v) for v in symbol_box(code))
    quiet = round(4 * (right - left) / modules(code))
    assert left - quiet >= 0 and top - quiet >= 0, "the quiet zone runs off the page"
    zone = np.asarray(image)[top - quiet + 1:bottom + quiet - 1,
                             left - quiet + 1:right + quiet - 1].copy()
    zone[quiet - 2:quiet + bottom - top + 2, quiet - 2:quiet + right - left + 2] = 255  # symbol
    assert zone.min() > 200, f"ink in the quiet zone of {code.text}"


def char_boxes(pdf: bytes, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every drawn character of a page with its box in pixels (left, top, right, bottom)."""
    pdf_page = pdfium.PdfDocument(pdf)[page]
    height = pdf_page.get_height()
    text = pdf_page.get_textpage()
    boxes = []
    for i in range(text.count_chars()):
        char = text.get_text_range(i, 1)
        left, bottom, right, top = text.get_charbox(i)
        if char.strip() and right > left:
            scale = DPI / 72
            boxes.append((char, (left * scale, (height - top) * scale,
                                 right * scale, (height - bottom) * scale)))
    return boxes


def page_text(pdf: bytes) -> str:
    """The text of all pages; pdfium reads a hyphen at the end of a line as U+FFFE."""
    text = "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
    return text.replace("\ufffe", "-")


def label_box_px(layout, slot: int) -> tuple[float, float, float, float]:
    x, y, w, h = layout.label_box(slot)
    top = layout.page_height - y - h
    return x * PX_PER_MM, top * PX_PER_MM, (x + w) * PX_PER_MM, (top + h) * PX_PER_MM


def shrunk(box, by: float) -> tuple[float, float, float, float]:
    return box[0] + by, box[1] + by, box[2] - by, box[3] - by


def inside(box, outer, slack: float = 1.0) -> bool:
    return (box[0] >= outer[0] - slack and box[1] >= outer[1] - slack
            and box[2] <= outer[2] + slack and box[3] <= outer[3] + slack)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_sheet(pdf: bytes, layout, labels: list[LabelSpec], skip: int = 0) -> None:
    """Every label's QR code decodes to its URL on its page, inside its own label, at level
    Q with a free quiet zone; every character lies in a label and off every QR code. Code,
    quiet zone and text keep a millimetre from the label's edges, as labels shift that much
    on the sheet and in the printer."""
    images = pages(pdf)
    assert len(images) == math.ceil((len(labels) + skip) / layout.per_page)
    for number, image in enumerate(images):
        first = max(0, number * layout.per_page - skip)
        expected = labels[first:(number + 1) * layout.per_page - skip]
        found = decode(image)
        assert sorted(c.text for c in found) == sorted(s.url for s in expected)
        qr_zones = []
        for code in found:
            slot = (labels.index(next(s for s in labels if s.url == code.text)) + skip)
            left, top, right, bottom = symbol_box(code)
            assert code.ec_level == "Q"
            assert_quiet_zone_free(image, code)
            quiet = 4 * (right - left) / modules(code)
            zone = (left - quiet, top - quiet, right + quiet, bottom + quiet)
            assert inside(zone, shrunk(label_box_px(layout, slot % layout.per_page), PX_PER_MM))
            qr_zones.append(zone)
        labels_px = [shrunk(label_box_px(layout, s), PX_PER_MM) for s in range(layout.per_page)]
        for char, box in char_boxes(pdf, number):
            assert any(inside(box, label) for label in labels_px), f"{char!r} off its label"
            assert not any(overlaps(box, zone) for zone in qr_zones), f"{char!r} on a QR code"


# -- QR codes ---------------------------------------------------------------------------------

def test_png_decodes_at_level_q_with_its_quiet_zone():
    url = a_url(1)
    image = Image.open(io.BytesIO(qr_png(url, box_size=6)))
    (code,) = decode(image)
    assert code.text == url and code.ec_level == "Q"
    assert image.size == (6 * (modules(code) + 8),) * 2
    left, top, _, _ = symbol_box(code)
    assert (left, top) == (24, 24)  # 4 modules of 6 px
    assert_quiet_zone_free(image.convert("L"), code)


def test_matrix_keeps_the_quiet_zone_light():
    matrix = qr_matrix(a_url(2))
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert (size - 8 - 17) % 4 == 0  # a QR version: 21, 25, 29 … modules and the border
    for i in range(size):
        for j in range(4):
            assert not matrix[i][j] and not matrix[i][size - 1 - j]
            assert not matrix[j][i] and not matrix[size - 1 - j][i]
    assert matrix[4][4] and matrix[4][size - 5] and matrix[size - 5][4]  # finder patterns


def test_svg_is_standalone_and_draws_the_matrix():
    url = a_url(3)
    matrix = qr_matrix(url)
    root = ET.fromstring(qr_svg(url))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == f"0 0 {len(matrix)} {len(matrix)}"
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1  # path-based, not one element a module
    # the path draws one unit square a dark module: M x,y H x+1 V y+1 H x z
    squares = {(int(float(y)), int(float(x))) for x, y in
               re.findall(r"M([\d.]+),([\d.]+)H[\d.]+V[\d.]+H[\d.]+z", paths[0].get("d"))}
    dark = {(r, c) for r, row in enumerate(matrix) for c, on in enumerate(row) if on}
    assert squares == dark


def test_a_qr_code_needs_a_url():
    with pytest.raises(ValueError):
        qr_matrix("")


# -- PDF sheets -------------------------------------------------------------------------------

def test_layouts_are_registered_with_their_geometry():
    assert {"a4-3x8", "a4-3x7", "a4-2x7", "single-50x30"} <= set(LAYOUTS)
    assert all(LAYOUTS[name] for name in LAYOUTS)
    geometry = {name: (get_layout(name).label_width, get_layout(name).label_height,
                       get_layout(name).per_page) for name in LAYOUTS}
    assert geometry["a4-3x8"] == (70, 37, 24)
    assert geometry["a4-3x7"] == (63.5, 38.1, 21)
    assert geometry["a4-2x7"] == (99.1, 38.1, 14)
    assert geometry["single-50x30"] == (50, 30, 1)
    l7160 = get_layout("a4-3x7")
    assert (l7160.margin_top, l7160.gap_x) == (15.15, 2.54)
    for name in LAYOUTS:  # labels within the page, none overlapping the next
        layout = get_layout(name)
        boxes = [layout.label_box(s) for s in range(layout.per_page)]
        for x, y, w, h in boxes:
            assert x >= 0 and y >= 0
            assert x + w <= layout.page_width + 0.01 and y + h <= layout.page_height + 0.01
        for a, b in zip(boxes, boxes[1:]):
            assert not overlaps((a[0], a[1], a[0] + a[2], a[1] + a[3]),
                                (b[0], b[1], b[0] + b[2], b[1] + b[3]))
    with pytest.raises(ValueError, match="unknown label layout"):
        get_layout("a4-9x9")


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_qr_code_on_every_page_decodes(name):
    layout = get_layout(name)
    labels = specs(30)
    pdf = render_labels(labels, name)
    assert pdf.startswith(b"%PDF-")
    check_sheet(pdf, layout, labels)
    text = "".join(page_text(pdf).split())  # a short code may be on two lines
    assert all(s.short_code in text for s in labels) and "Schadenmelden?" in text


@pytest.mark.parametrize("name", ["a4-3x8", "a4-3x7", "a4-2x7"])
def test_qr_codes_on_sheets_are_at_least_20_mm(name):
    (image,) = pages(render_labels(specs(1), name))
    (code,) = decode(image)
    left, top, right, bottom = symbol_box(code)
    assert (right - left) / PX_PER_MM >= 20 and (bottom - top) / PX_PER_MM >= 20


def test_single_label_qr_code_fills_the_label_height():
    (image,) = pages(render_labels(specs(1), "single-50x30"))
    assert abs(image.width - 50 * PX_PER_MM) <= 1 and abs(image.height - 30 * PX_PER_MM) <= 1
    (code,) = decode(image)
    left, top, right, bottom = symbol_box(code)
    with_quiet_zone = (bottom - top) * (modules(code) + 8) / modules(code)
    assert with_quiet_zone / PX_PER_MM >= 26  # of 30 mm, the rest a margin for the printer


def test_skip_leaves_used_labels_of_the_first_sheet_empty():
    layout = get_layout("a4-3x8")
    labels = specs(3)
    check_sheet(render_labels(labels, "a4-3x8", skip=22), layout, labels, skip=22)
    with pytest.raises(ValueError):
        render_labels(labels, "a4-3x8", skip=24)


def test_same_labels_same_bytes_and_nothing_to_render_is_an_error():
    assert render_labels(specs(2)) == render_labels(specs(2))
    with pytest.raises(ValueError):
        render_labels([])
    with pytest.raises(ValueError):
        render_labels([LabelSpec(url=a_url(0), short_code="")])


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_text_that_does_not_fit_is_shrunk_or_cut(name):
    long_name = ("Verbandsgemeinde Oberes Musterbachtal-Schönfeld am Rande des Mittelgebirges "
                 "mit seinen Ortsgemeinden Nord, Süd, Ost und West")[:120]
    assert len(long_name) == 120
    labels = [LabelSpec(url=a_url(i), short_code="DEMO-SL-000142", municipality=long_name,
                        type_label="Ladesäule für Elektrofahrzeuge mit zwei Anschlüssen",
                        footer=FOOTER * 3) for i in range(3)]
    pdf = render_labels(labels, name)
    check_sheet(pdf, get_layout(name), labels)
    text = " ".join(page_text(pdf).split())
    if name == "a4-2x7":  # room for the whole name in two lines of smaller type
        assert long_name in text
    else:
        assert "…" in text and long_name not in text
    assert "DEMO-SL-000142" in text.replace("DEMO-SL- ", "DEMO-SL-")


def test_characters_helvetica_lacks_are_replaced_not_boxes():
    spec = LabelSpec(url=a_url(5), short_code="DEMO-SL-0001", municipality="Gmina Wrocław",
                     type_label="Kőbánya Straßenleuchte", footer="Ω")
    text = page_text(render_labels([spec], "a4-2x7"))
    assert "Wroclaw" in text and "Kobánya Straßenleuchte" in text and "?" in text


# -- NDEF and the encoding CSV ----------------------------------------------------------------

def test_ndef_short_record_byte_for_byte():
    body = b"gis.example.de/t/abc"
    expected = bytes([0xD1, 0x01, 1 + len(body), 0x55, 0x04]) + body
    assert ndef_uri_message("https://gis.example.de/t/abc") == expected
    assert expected[2] == 0x15
    assert ndef_hex("https://gis.example.de/t/abc") == "D101155504" + body.hex().upper()


@pytest.mark.parametrize(("url", "code", "rest"), [
    ("http://www.musterdorf.de/t/x", 0x01, "musterdorf.de/t/x"),
    ("https://www.musterdorf.de/t/x", 0x02, "musterdorf.de/t/x"),
    ("http://gis.musterdorf.de/t/x", 0x03, "gis.musterdorf.de/t/x"),
    ("https://gis.musterdorf.de/t/x", 0x04, "gis.musterdorf.de/t/x"),
    ("tel:+4961311234", 0x05, "+4961311234"),
    ("ftp://ftp.example.de/a", 0x08, "example.de/a"),
    ("ftp://anonymous:anonymous@example.de", 0x07, "example.de"),
    ("urn:epc:id:sgtin:1.2.3", 0x1E, "sgtin:1.2.3"),
    ("urn:epc:x", 0x22, "x"),
    ("urn:nfc:sn:1", 0x23, "sn:1"),
    ("urn:isbn:1", 0x13, "isbn:1"),
    ("geo:49.99,8.27", 0x00, "geo:49.99,8.27"),
    ("HTTPS://gis.example.de", 0x00, "HTTPS://gis.example.de"),
])
def test_ndef_uses_the_longest_uri_prefix(url, code, rest):
    message = ndef_uri_message(url)
    assert message[:2] == b"\xd1\x01" and message[3:4] == b"U"
    assert message[4] == code and message[5:] == rest.encode()
    assert message[2] == len(message) - 4
    assert parse_ndef_uri(message) == url


def test_ndef_long_record_for_a_long_url():
    url = "https://gis.example.de/t/" + "a" * 275
    assert len(url) == 300
    payload = b"\x04" + url[len("https://"):].encode()
    message = ndef_uri_message(url)
    assert message[0] == 0xC1  # MB | ME | TNF well-known, no SR
    assert message[1] == 0x01 and message[2:6] == len(payload).to_bytes(4, "big")
    assert message[6:7] == b"U" and message[7:] == payload
    assert parse_ndef_uri(message) == url


def test_ndef_short_form_up_to_255_payload_bytes():
    fits = "https://" + "x" * 254  # payload: 1 + 254 = 255 bytes
    assert ndef_uri_message(fits)[0] == 0xD1 and ndef_uri_message(fits)[2] == 255
    too_long = fits + "x"
    assert ndef_uri_message(too_long)[0] == 0xC1
    assert parse_ndef_uri(ndef_uri_message(too_long)) == too_long


def test_ndef_round_trip_of_unicode_and_tolerated_id_field():
    url = "https://gis.example.de/t/Straße"
    message = ndef_uri_message(url)
    assert "ß".encode() in message and parse_ndef_uri(message) == url
    with_id = bytes([0xD9, 0x01, 0x05, 0x02]) + b"U" + b"id" + b"\x04a.de"
    assert parse_ndef_uri(with_id) == "https://a.de"


@pytest.mark.parametrize("data", [
    b"",
    b"\xd1\x01",
    b"\xd1\x01\x05U\x04a.de" + b"\x00",  # a byte after the record
    b"\xd1\x01\x06U\x04a.de",  # payload shorter than its length says
    b"\xd2\x01\x05U\x04a.de",  # MIME type, not well-known
    b"\xd1\x01\x05T\x04a.de",  # a text record
    b"\xd1\x02\x05Ux\x04a.de",  # type "Ux"
    b"\x91\x01\x05U\x04a.de",  # MB without ME: more records follow
    b"\x51\x01\x05U\x04a.de",  # ME without MB
    b"\xf1\x01\x05U\x04a.de",  # chunked
    b"\xd1\x01\x00U",  # no identifier code
    b"\xd1\x01\x05U\x24a.de",  # reserved identifier code
    b"\xd1\x01\x03U\x04\xff\xfe",  # not UTF-8
    b"\xc1\x01\x00\x00\x00",  # long form cut in its length
])
def test_malformed_ndef_is_rejected(data):
    with pytest.raises(ValueError):
        parse_ndef_uri(data)


@pytest.mark.parametrize("url", ["", "https://a.de/t/a b", "https://a.de/\n"])
def test_ndef_refuses_what_is_not_a_url(url):
    with pytest.raises(ValueError):
        ndef_uri_message(url)


def test_nfc_csv_for_encoding_services():
    rows = [("DEMO-SL-0142", "https://gis.example.de/t/abc"),
            ('Mast "Nord", Ost', "https://gis.example.de/t/def"),
            ("DEMO-Ä-1", "https://gis.example.de/t/ghi")]
    data = nfc_csv(rows)
    text = data.decode("utf-8")
    assert text.startswith("short_code,url,ndef_hex\r\n")
    assert '"Mast ""Nord"", Ost",https://gis.example.de/t/def,' in text
    assert "DEMO-Ä-1".encode() in data
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["short_code", "url", "ndef_hex"] and len(parsed) == 4
    for (short_code, url), row in zip(rows, parsed[1:]):
        assert row[:2] == [short_code, url]
        assert row[2] == ndef_uri_message(url).hex().upper()
        assert parse_ndef_uri(bytes.fromhex(row[2])) == url
    assert parsed[1][2] == "D101155504" + b"gis.example.de/t/abc".hex().upper()
