"""NFC tags: the NDEF message with the label's URL, as written to a chip and read back.

A phone opens a URL from an NFC tag without any app only when the tag holds an NDEF message
whose record is a well-known URI record (NFC Forum URI RTD): the scheme and ``www.`` are
sent as a one-byte code, the rest as UTF-8. Tags are small (NTAG213: 144 bytes of user
memory), so the record is built by hand, byte for byte, in the short form when it fits.
Bulk encoding services take a CSV of the hex messages; ``parse_ndef_uri`` checks what a
writer read back from a tag before the tag is bound to an asset.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from io import StringIO

# header flags of an NDEF record (NFC Forum NDEF 1.0, 3.2)
MB = 0x80  # message begin
ME = 0x40  # message end
CF = 0x20  # chunk flag
SR = 0x10  # short record: one byte of payload length instead of four
IL = 0x08  # an ID length byte and an ID are present
TNF_MASK = 0x07
TNF_WELL_KNOWN = 0x01
URI_TYPE = b"U"

#: URI identifier codes (NFC Forum URI RTD 1.0, table 3); the index is the code.
URI_PREFIXES = (
    "", "http://www.", "https://www.", "http://", "https://", "tel:", "mailto:",
    "ftp://anonymous:anonymous@", "ftp://ftp.", "ftps://", "sftp://", "smb://", "nfs://",
    "ftp://", "dav://", "news:", "telnet://", "imap:", "rtsp://", "urn:", "pop:", "sip:",
    "sips:", "tftp:", "btspp://", "btl2cap://", "btgoep://", "tcpobex://", "irdaobex://",
    "file://", "urn:epc:id:", "urn:epc:tag:", "urn:epc:pat:", "urn:epc:raw:", "urn:epc:",
    "urn:nfc:",
)

CSV_COLUMNS = ("short_code", "url", "ndef_hex")


def _uri_payload(url: str) -> bytes:
    if not isinstance(url, str) or not url:
        raise ValueError("an NDEF URI record needs a URL")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ValueError("a URL must not contain spaces or control characters")
    # the longest prefix: "urn:epc:id:" beats "urn:epc:" beats "urn:"; case-sensitive, so
    # the URL reads back exactly as written
    code = max((i for i, p in enumerate(URI_PREFIXES) if url.startswith(p)),
               key=lambda i: len(URI_PREFIXES[i]))
    return bytes([code]) + url[len(URI_PREFIXES[code]):].encode("utf-8")


def ndef_uri_message(url: str) -> bytes:
    """The NDEF message (one well-known URI record) that makes a phone open ``url``."""
    payload = _uri_payload(url)
    if len(payload) < 256:
        header = bytes([MB | ME | SR | TNF_WELL_KNOWN, len(URI_TYPE), len(payload)])
    else:
        header = bytes([MB | ME | TNF_WELL_KNOWN, len(URI_TYPE)]) + len(payload).to_bytes(4, "big")
    return header + URI_TYPE + payload


def ndef_hex(url: str) -> str:
    """The NDEF message for ``url`` as upper-case hex, as encoding services take it."""
    return ndef_uri_message(url).hex().upper()


def nfc_csv(rows: Iterable[tuple[str, str]]) -> bytes:
    """The CSV (UTF-8, header row) a bulk NFC encoding service takes, from (short code, URL).

    The short code is the one printed on the tag, so the service's output can be matched
    to the labels.
    """
    out = StringIO(newline="")
    writer = csv.writer(out)  # RFC 4180: commas, CRLF, quotes where a value needs them
    writer.writerow(CSV_COLUMNS)
    for short_code, url in rows:
        writer.writerow((short_code, url, ndef_hex(url)))
    return out.getvalue().encode("utf-8")


def parse_ndef_uri(data: bytes) -> str:
    """The URL in an NDEF message read back from a tag; ValueError unless it is exactly one
    well-known URI record.

    ``data`` is the NDEF message itself, not the tag's memory with its TLV wrapper.
    """
    data = bytes(data)
    if len(data) < 3:
        raise ValueError("too short for an NDEF record")
    flags = data[0]
    if flags & (MB | ME) != MB | ME:
        raise ValueError("not a message of exactly one record (MB and ME must both be set)")
    if flags & CF:
        raise ValueError("chunked records are not supported")
    if flags & TNF_MASK != TNF_WELL_KNOWN:
        raise ValueError("not a well-known record type (TNF 0x01)")
    type_length, pos = data[1], 2
    length_size = 1 if flags & SR else 4
    if len(data) < pos + length_size:
        raise ValueError("truncated payload length")
    payload_length = int.from_bytes(data[pos:pos + length_size], "big")
    pos += length_size
    id_length = 0
    if flags & IL:
        if len(data) < pos + 1:
            raise ValueError("truncated ID length")
        id_length, pos = data[pos], pos + 1
    record_type = data[pos:pos + type_length]
    if record_type != URI_TYPE:
        raise ValueError(f"record type is {record_type!r}, not a URI record ('U')")
    pos += type_length + id_length
    payload = data[pos:]
    if len(payload) != payload_length:
        raise ValueError(f"payload is {len(payload)} bytes, its header says {payload_length}")
    if not payload:
        raise ValueError("empty URI record")
    if payload[0] >= len(URI_PREFIXES):
        raise ValueError(f"reserved URI identifier code 0x{payload[0]:02X}")
    try:
        rest = payload[1:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("URI field is not UTF-8") from exc
    return URI_PREFIXES[payload[0]] + rest
