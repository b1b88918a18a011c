"""What a file really is (magic numbers), and images without their location."""

from __future__ import annotations

import pytest

from tawasul.domain.files import FileKind, UnreadableFile, sniff, strip_location
from tests import samples


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (samples.pdf(), FileKind.PDF),
        (samples.jpeg(), FileKind.JPEG),
        (samples.png(), FileKind.PNG),
        (samples.heic(), FileKind.HEIC),
        (samples.heic(brands=(b"mif1", b"heic")), FileKind.HEIC),
        (samples.docx(), FileKind.DOCX),
    ],
    ids=["pdf", "jpeg", "png", "heic", "heif-with-heic-brand", "docx"],
)
def test_sniff_recognises_each_accepted_type(data: bytes, kind: FileKind) -> None:
    assert sniff(data) is kind


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"MZ\x90\x00 an executable",
        b"<html><script>alert(1)</script></html>",
        samples.heic(brands=(b"mif1", b"avif")),  # AVIF is HEIF, but not HEIC
        samples.docx(parts=("[Content_Types].xml", "xl/workbook.xml")),  # a spreadsheet
        samples.docx(parts=("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")),  # macros
        b"PK\x03\x04 not really a zip",
    ],
    ids=["empty", "gif", "exe", "html", "avif", "xlsx", "docm", "broken-zip"],
)
def test_sniff_refuses_everything_else(data: bytes) -> None:
    assert sniff(data) is None


def test_jpeg_gps_is_blanked_and_the_rest_kept() -> None:
    # Given a JPEG whose Exif holds an orientation and a GPS position
    original = samples.jpeg()
    assert samples.GPS_LATITUDE in original
    # When its location is stripped
    clean, removed = strip_location(FileKind.JPEG, original)
    # Then the coordinates are gone, the orientation stays, nothing moved, and it is still a JPEG
    assert removed
    assert samples.GPS_LATITUDE not in clean and b"N\x00\x00\x00" not in clean
    assert samples.ORIENTATION_ENTRY in clean
    assert len(clean) == len(original)
    assert clean.endswith(b"\x12\x34\xff\x00\x56\xff\xd9")
    assert sniff(clean) is FileKind.JPEG
    # and stripping again changes nothing
    assert strip_location(FileKind.JPEG, clean) == (clean, False)


def test_jpeg_xmp_block_is_dropped() -> None:
    original = samples.jpeg(gps=False, xmp=True)
    clean, removed = strip_location(FileKind.JPEG, original)
    assert removed and b"GPSLatitude" not in clean and b"JFIF" in clean


def test_jpeg_without_location_is_unchanged() -> None:
    original = samples.jpeg(gps=False)
    assert strip_location(FileKind.JPEG, original) == (original, False)


def test_jpeg_with_broken_exif_loses_the_whole_exif_block() -> None:
    original = samples.jpeg().replace(b"Exif\x00\x00MM\x00\x2a", b"Exif\x00\x00MM\x00\x2b")
    clean, removed = strip_location(FileKind.JPEG, original)
    assert removed and b"Exif" not in clean and samples.GPS_LATITUDE not in clean


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\xff\xe1\xff\xff" + b"\x00" * 10],
    ids=["no-segment", "truncated", "length-past-end"],
)
def test_broken_jpeg_structure_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        strip_location(FileKind.JPEG, data)


def test_png_exif_chunk_is_dropped() -> None:
    original = samples.png(exif=True)
    clean, removed = strip_location(FileKind.PNG, original)
    assert removed and b"eXIf" not in clean and samples.GPS_LATITUDE not in clean
    assert clean == samples.png()


def test_png_without_metadata_is_byte_for_byte_the_same() -> None:
    original = samples.png()
    assert strip_location(FileKind.PNG, original) == (original, False)


def test_bytes_after_png_end_are_not_kept() -> None:
    clean, removed = strip_location(FileKind.PNG, samples.png() + b"%PDF-1.7 polyglot tail")
    assert removed and clean == samples.png()


def test_truncated_png_is_unreadable() -> None:
    with pytest.raises(UnreadableFile):
        strip_location(FileKind.PNG, samples.png()[:-6])


def test_heic_exif_gps_is_blanked_in_place() -> None:
    original = samples.heic()
    clean, removed = strip_location(FileKind.HEIC, original)
    assert removed and samples.GPS_LATITUDE not in clean and len(clean) == len(original)
    assert sniff(clean) is FileKind.HEIC


@pytest.mark.parametrize("kind", [FileKind.PDF, FileKind.DOCX])
def test_documents_are_left_alone(kind: FileKind) -> None:
    data = samples.pdf() if kind is FileKind.PDF else samples.docx()
    assert strip_location(kind, data) == (data, False)
