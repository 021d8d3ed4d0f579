"""Uploads are read up to a size limit (setting PASSNUM_UPLOAD_MAX_BYTES): past it, nothing
more of the file is kept, in memory or on disk, and the form gets a `TooLargeUpload` with the
size received, which its size check refuses with a French message."""

import math

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

UPLOAD_MAX_BYTES_DEFAULT = 10 * 1024 * 1024


def upload_max_bytes() -> int:
    return int(getattr(settings, "PASSNUM_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES_DEFAULT))


def megabytes(size: int) -> str:
    """A size for people, rounded up to a tenth: « 10 Mo », « 2,5 Mo », « 10,1 Mo » for a
    byte over 10 Mo."""
    tenths = math.ceil(size * 10 / (1024 * 1024))
    return f"{tenths / 10:.1f}".replace(".", ",").removesuffix(",0") + " Mo"


class TooLargeUpload(UploadedFile):
    """What is left of a file cut at the limit: its name and the size received, no content."""

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def read(self, *args, **kwargs) -> bytes:
        return b""

    def seek(self, *args, **kwargs) -> int:
        return 0

    def chunks(self, chunk_size=None):
        return iter(())


class SizeLimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes each chunk on to the next handlers (memory or
    temporary file) until the file passes the limit, then keeps nothing more of it."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.limit = upload_max_bytes()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # the next handlers get nothing more
        return raw_data

    def file_complete(self, file_size):
        if self.received > self.limit:
            return TooLargeUpload(self.file_name, self.received, self.content_type)
        return None
