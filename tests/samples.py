"""Tiny files built byte by byte for the attachment tests (no image library needed).

`GPS_LATITUDE` is the byte pattern of the latitude rationals written into the Exif GPS IFD
(26/1, 13/1, 3017/100: a home in Manama): when it is gone, the location is gone."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

GPS_LATITUDE = struct.pack(">IIIIII", 26, 1, 13, 1, 3017, 100)
ORIENTATION_ENTRY = struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0)  # orientation 6 (rotate 90°), big endian


def tiff_with_gps() -> bytes:
    """A big-endian TIFF: IFD0 (orientation, GPS pointer) → GPS IFD (latitude ref, latitude)."""
    ifd0, gps_ifd = 8, 8 + 2 + 2 * 12 + 4
    values = gps_ifd + 2 + 2 * 12 + 4
    return (
        b"MM\x00\x2a"
        + struct.pack(">I", ifd0)
        + struct.pack(">H", 2)
        + ORIENTATION_ENTRY
        + struct.pack(">HHII", 0x8825, 4, 1, gps_ifd)
        + struct.pack(">I", 0)
        + struct.pack(">H", 2)
        + struct.pack(">HHI", 0x0001, 2, 2)
        + b"N\x00\x00\x00"
        + struct.pack(">HHII", 0x0002, 5, 3, values)
        + struct.pack(">I", 0)
        + GPS_LATITUDE
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(*, gps: bool = True, xmp: bool = False) -> bytes:
    """SOI, APP0 (JFIF), [APP1 Exif with GPS], [APP1 XMP], a quantisation table, SOS, data, EOI."""
    parts = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if gps:
        parts.append(_segment(0xE1, b"Exif\x00\x00" + tiff_with_gps()))
    if xmp:
        parts.append(
            _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta exif:GPSLatitude='26,13N'/>")
        )
    parts += [_segment(0xDB, b"\x00" + bytes(range(64))), _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")]
    parts.append(b"\x12\x34\xff\x00\x56" + b"\xff\xd9")
    return b"".join(parts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*, exif: bool = False) -> bytes:
    """A 1x1 red PNG, optionally with an eXIf chunk holding GPS."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    extra = _chunk(b"eXIf", tiff_with_gps()) if exif else b""
    pixels = _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + extra + pixels + _chunk(b"IEND", b"")


def heic(*, brands: tuple[bytes, bytes] = (b"heic", b"mif1")) -> bytes:
    """An ftyp box and an Exif item (``Exif\\0\\0`` + TIFF) as HEIF stores it, in an mdat box."""
    major, compatible = brands
    ftyp = struct.pack(">I", 24) + b"ftyp" + major + b"\x00\x00\x00\x00" + compatible + major
    item = struct.pack(">I", 6) + b"Exif\x00\x00" + tiff_with_gps()
    return ftyp + struct.pack(">I", 8 + len(item)) + b"mdat" + item


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx(*, parts: tuple[str, ...] = ("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in parts:
            package.writestr(name, "<xml/>")
    return buffer.getvalue()
