"""What a file really is, from its bytes, and images without their location. Pure: no I/O.

``sniff`` reads magic numbers (never the name or the declared type). ``strip_location`` removes
the places where a camera writes where a photo was taken: the GPS IFD of Exif (blanked in
place, so no offset of the container moves), XMP and Photoshop/IPTC blocks of JPEG files, the
``eXIf`` and XMP chunks of PNG files. A structure it cannot walk raises ``UnreadableFile``: a
file whose metadata cannot be checked is not made available.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from enum import StrEnum
from typing import Literal


class FileKind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    HEIC = "heic"
    DOCX = "docx"


#: The kind each accepted content type must really be.
KIND_OF_CONTENT_TYPE: dict[str, FileKind] = {
    "application/pdf": FileKind.PDF,
    "image/jpeg": FileKind.JPEG,
    "image/png": FileKind.PNG,
    "image/heic": FileKind.HEIC,
    "image/heif": FileKind.HEIC,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": FileKind.DOCX,
}


class UnreadableFile(ValueError):
    """The file's structure is broken where its metadata should be."""


# --- sniffing ---------------------------------------------------------------------------------
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError)


def sniff(data: bytes) -> FileKind | None:
    """The kind of file these bytes are, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    if data.startswith(_PNG_SIGNATURE):
        return FileKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if _is_heic(data):
        return FileKind.HEIC
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return FileKind.DOCX
    return None


def _is_heic(data: bytes) -> bool:
    """An ISO-BMFF ``ftyp`` box whose brands say HEVC-coded HEIF (not AVIF or other HEIF)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[:4], "big")
    if box_size < 16 or box_size > len(data):
        return False
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, box_size - 3, 4)}
    return major in _HEIC_BRANDS or (major in _HEIF_GENERIC_BRANDS and bool(compatible & _HEIC_BRANDS))


def _is_docx(data: bytes) -> bool:
    """A ZIP package with ``[Content_Types].xml`` and a ``word/`` part, and no macros (.docm)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()  # the central directory only: nothing is decompressed
    except _ZIP_ERRORS:
        return False
    has_word = any(name.startswith("word/") for name in names)
    has_macros = any(name.lower().endswith("vbaproject.bin") for name in names)
    return "[Content_Types].xml" in names and has_word and not has_macros


# --- location metadata ------------------------------------------------------------------------
def strip_location(kind: FileKind, data: bytes) -> tuple[bytes, bool]:
    """``data`` without location metadata, and whether anything was removed."""
    if kind is FileKind.JPEG:
        return _strip_jpeg(data)
    if kind is FileKind.PNG:
        return _strip_png(data)
    if kind is FileKind.HEIC:
        return _strip_heic(data)
    return data, False


# JPEG: markers without a length, the segments to drop whole, and the Exif / XMP signatures.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_SOS, _EOI, _APP1, _APP13 = 0xDA, 0xD9, 0xE1, 0xED
_EXIF = b"Exif\x00\x00"
_XMP = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")


def _strip_jpeg(data: bytes) -> tuple[bytes, bool]:
    out = bytearray(data[:2])
    changed = False
    for marker, segment in _jpeg_segments(data):
        kept = _clean_jpeg_segment(marker, segment)
        changed = changed or kept != segment
        out += kept
    return bytes(out), changed


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(marker, whole segment) up to the first scan; the scan and the rest come as one piece."""
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF or pos + 1 >= len(data):
            raise UnreadableFile("JPEG: expected a marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            yield marker, data[pos : pos + 1]
            pos += 1
            continue
        if marker in _STANDALONE:
            yield marker, data[pos : pos + 2]
            pos += 2
            continue
        if marker in (_SOS, _EOI):
            yield marker, data[pos:]
            return
        if pos + 4 > len(data):
            raise UnreadableFile("JPEG: truncated segment")
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end <= pos + 3 or end > len(data):
            raise UnreadableFile("JPEG: bad segment length")
        yield marker, data[pos:end]
        pos = end
    raise UnreadableFile("JPEG: no image data")


def _clean_jpeg_segment(marker: int, segment: bytes) -> bytes:
    payload = segment[4:]
    if marker == _APP13 or (marker == _APP1 and payload.startswith(_XMP)):
        return b""  # XMP and Photoshop/IPTC blocks can name places: drop them whole
    if marker == _APP1 and payload.startswith(_EXIF):
        tiff = bytearray(payload[len(_EXIF) :])
        try:
            if not _Tiff(tiff, 0).blank_gps():
                return segment
        except UnreadableFile:
            return b""  # Exif we cannot walk: drop it (orientation and all) rather than guess
        return segment[: 4 + len(_EXIF)] + bytes(tiff)
    return segment


def _strip_png(data: bytes) -> tuple[bytes, bool]:
    if not data.startswith(_PNG_SIGNATURE):
        raise UnreadableFile("PNG: no signature")
    out = bytearray(_PNG_SIGNATURE)
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise UnreadableFile("PNG: truncated chunk")
        end = pos + 12 + int.from_bytes(data[pos : pos + 4], "big")
        if end > len(data):
            raise UnreadableFile("PNG: bad chunk length")
        chunk_type, body = data[pos + 4 : pos + 8], data[pos + 8 : end - 4]
        if chunk_type != b"eXIf" and not (
            chunk_type == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00")
        ):
            out += data[pos:end]
        pos = end
        if chunk_type == b"IEND":
            break  # bytes after IEND are not part of the image: they are not kept
    return bytes(out), len(out) != len(data)


def _strip_heic(data: bytes) -> tuple[bytes, bool]:
    """HEIF stores Exif as an item (``Exif\\0\\0`` + TIFF); its GPS IFD is blanked in place."""
    buffer = bytearray(data)
    changed = False
    start = 0
    while (found := buffer.find(_EXIF, start)) >= 0:
        tiff_at = found + len(_EXIF)
        if bytes(buffer[tiff_at : tiff_at + 4]) in (b"II*\x00", b"MM\x00*"):
            changed = _Tiff(buffer, tiff_at).blank_gps() or changed
        start = tiff_at
    return bytes(buffer), changed


# TIFF (Exif) structure: byte order, IFDs of 12-byte entries, value sizes per type.
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_GPS_IFD_TAG = 0x8825


class _Tiff:
    """A TIFF block inside ``buffer`` at ``base``; offsets are relative to ``base``."""

    def __init__(self, buffer: bytearray, base: int) -> None:
        self.buffer = buffer
        self.base = base
        orders: dict[bytes, Literal["little", "big"]] = {b"II": "little", b"MM": "big"}
        order = orders.get(bytes(buffer[base : base + 2]))
        if order is None:
            raise UnreadableFile("Exif: unknown byte order")
        self.order: Literal["little", "big"] = order
        if self._int(2, 2) != 42:
            raise UnreadableFile("Exif: not a TIFF header")

    def _int(self, offset: int, size: int) -> int:
        start = self.base + offset
        if offset < 0 or start + size > len(self.buffer):
            raise UnreadableFile("Exif: offset out of range")
        return int.from_bytes(self.buffer[start : start + size], self.order)

    def _entries(self, ifd: int) -> list[tuple[int, int, int, int]]:
        """(tag, type, count, offset of the value field) of each entry of the IFD at ``ifd``."""
        count = self._int(ifd, 2)
        self._int(ifd + 2 + 12 * count, 4)  # the whole IFD, next-IFD pointer included, is in range
        return [
            (self._int(at, 2), self._int(at + 2, 2), self._int(at + 4, 4), at + 8)
            for at in range(ifd + 2, ifd + 2 + 12 * count, 12)
        ]

    def _blank(self, offset: int, size: int) -> None:
        self._int(offset, 0)
        if self.base + offset + size > len(self.buffer):
            raise UnreadableFile("Exif: value out of range")
        start = self.base + offset
        self.buffer[start : start + size] = bytes(size)

    def blank_gps(self) -> bool:
        """Zero the GPS IFD (its entries and their values); True if there was one."""
        gps = next(
            (value for tag, _t, _c, value in self._entries(self._int(4, 4)) if tag == _GPS_IFD_TAG), None
        )
        if gps is None:
            return False
        ifd = self._int(gps, 4)
        entries = self._entries(ifd)
        for _tag, type_, count, value in entries:
            size = _TYPE_SIZES.get(type_, 1) * count
            if size > 4:
                self._blank(self._int(value, 4), size)
        # count 0 and no next IFD: readers see an empty GPS directory
        self._blank(ifd, 2 + 12 * len(entries) + 4)
        return True
