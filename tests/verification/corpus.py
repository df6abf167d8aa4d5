"""The bad-upload corpus, generated at test time (no binary files in the repository).

Every builder returns bytes; the tests wrap them in an uploaded file with any name and
content type they like, since the service trusts neither.
"""

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

GPS_COMMENT = b"shot at home, 31.2N 121.4E"
APPENDED_HTML = b"<html><script>alert(document.cookie)</script></html>"


def photo(*, size=(64, 48), mode="RGB", image_format="JPEG", **save_options) -> bytes:
    """A small image with a gradient (so a re-encode has something to keep)."""
    image = Image.linear_gradient("L").resize(size)
    if mode != "L":
        image = Image.merge("RGB", (image, image.rotate(90).resize(size), image)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


def jpeg() -> bytes:
    return photo()


def png() -> bytes:
    return photo(image_format="PNG")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int) -> bytes:
    """A one-bit black PNG written row by row: huge in pixels, tiny in bytes.

    Pillow would need width × height bytes of memory to make it; zlib needs one row.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def png_with_html() -> bytes:
    return png() + APPENDED_HTML


def gif() -> bytes:
    return photo(image_format="GIF")


def tiff() -> bytes:
    return photo(image_format="TIFF")


def svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
    )


def eps() -> bytes:
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
        b"(/etc/passwd) (r) file pop\nshowpage\n%%EOF\n"
    )


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def jpeg_with_gps_and_comment(*, size=(64, 48)) -> bytes:
    """A phone photo: GPS position, camera make, a comment, an ICC profile, and an
    orientation tag saying "turn me 90° clockwise" (so it is stored as 48 × 64)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 12.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 24.0, 0.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return photo(size=size, exif=exif, comment=GPS_COMMENT, icc_profile=icc)


def truncated_jpeg() -> bytes:
    data = photo(size=(400, 300))
    return data[: len(data) // 2]


def pdf(*, pages: int = 1, extra: bytes = b"") -> bytes:
    """A minimal, valid PDF with blank pages (object 3.. are the pages)."""
    kids = " ".join(f"{3 + index} 0 R" for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>" for _ in range(pages)],
    ]
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + extra + b"\nendobj\n"
    xref_at = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    body += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return body
