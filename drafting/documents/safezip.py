"""Read members of an untrusted zip (a .docx) without trusting any size it declares.

A zip bomb can declare 200 KB in both headers and inflate to gigabytes, so the declared
file_size is never used to decide anything: each member is inflated here in bounded chunks,
counting the bytes actually produced, and reading stops as soon as the budget for the whole
archive is spent or a member inflates to more than it declared.
"""

import struct
import zipfile
import zlib
from io import BytesIO

MAX_MEMBERS = 5000
MAX_INFLATED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # inflated/compressed, judged once a member is past RATIO_GRACE_BYTES
RATIO_GRACE_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_END_OF_DIRECTORY = b"PK\x05\x06"


class ZipBomb(Exception):
    """The archive inflates to far more than it should."""


class BadArchive(Exception):
    """The archive is not a readable zip (truncated, encrypted member, unknown compression)."""


class SafeZip:
    """The member names of a zip in memory, and their bytes through a shared inflate budget."""

    def __init__(self, data: bytes) -> None:
        _check_member_count(data)
        try:
            self._archive = zipfile.ZipFile(BytesIO(data))
        except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError) as exc:
            raise BadArchive(str(exc)) from exc
        self._data = data
        self._budget = MAX_INFLATED_BYTES
        self._names = {info.filename: info for info in self._archive.infolist()}

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def read(self, name: str) -> bytes:
        """The member's bytes; ZipBomb when it or the archive so far inflates beyond the limits."""
        info = self._names[name]
        if info.flag_bits & 0x1:
            raise BadArchive(f"{name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BadArchive(f"{name} uses compression method {info.compress_type}")
        start = _data_start(self._data, info)
        packed = memoryview(self._data)[start : start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            inflated = bytes(packed[: self._budget + 1])
            self._spend(len(inflated), len(packed), info)
        else:
            inflated = self._inflate(packed, info)
        if zlib.crc32(inflated) != info.CRC:
            raise BadArchive(f"{name} fails its CRC check")
        return inflated

    def _inflate(self, packed: memoryview, info: zipfile.ZipInfo) -> bytes:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        out = bytearray()
        offset = 0
        pending = b""
        while True:
            if not pending:
                if offset >= len(packed) or inflater.eof:
                    break
                pending = packed[offset : offset + _CHUNK]
                offset += len(pending)
            try:
                piece = inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                raise BadArchive(f"{info.filename}: {exc}") from exc
            pending = inflater.unconsumed_tail
            out += piece
            self._spend(len(piece), offset, info, total=len(out))
        return bytes(out)

    def _spend(self, produced: int, consumed: int, info: zipfile.ZipInfo, total: int | None = None) -> None:
        total = produced if total is None else total
        self._budget -= produced
        if self._budget < 0:
            raise ZipBomb(f"archive inflates past {MAX_INFLATED_BYTES} bytes")
        if total > info.file_size:
            raise ZipBomb(f"{info.filename} inflates past its declared {info.file_size} bytes")
        if total > RATIO_GRACE_BYTES and total > MAX_RATIO * max(consumed, 1):
            raise ZipBomb(f"{info.filename} inflates more than {MAX_RATIO}:1")


def _check_member_count(data: bytes) -> None:
    """Refuse a directory of millions of entries before zipfile builds an object for each."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise BadArchive("no end-of-central-directory record")
    (entries,) = struct.unpack_from("<H", data, at + 10)
    if entries > MAX_MEMBERS:
        raise ZipBomb(f"{entries} members")


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    offset = info.header_offset
    if offset + _LOCAL_HEADER.size > len(data):
        raise BadArchive(f"{info.filename}: local header outside the file")
    fields = _LOCAL_HEADER.unpack_from(data, offset)
    if fields[0] != b"PK\x03\x04":
        raise BadArchive(f"{info.filename}: bad local header")
    name_length, extra_length = fields[-2], fields[-1]
    return offset + _LOCAL_HEADER.size + name_length + extra_length
