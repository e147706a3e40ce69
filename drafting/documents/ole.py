"""An OLE compound file: an old .doc/.xls/.wps, or a new Office file that was given an opening password
(Office stores those encrypted inside an OLE container). And an OpenDocument file (.odt from LibreOffice
or WPS), a zip too, that a .docx reader would call damaged."""

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_ole(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC)


def has_password(data: bytes) -> bool:
    """An Office file with an opening password: its parts sit in an EncryptedPackage stream."""
    return is_ole(data) and "EncryptedPackage".encode("utf-16-le") in data[: 1024 * 1024]


def is_opendocument(data: bytes) -> bool:
    """An OpenDocument package: its first member is an uncompressed `mimetype` naming the kind."""
    return data[:4] == b"PK\x03\x04" and data[30:38] == b"mimetype" and b"opendocument" in data[38:120]
