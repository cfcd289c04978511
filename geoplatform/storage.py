"""File storage that answers a full disk with a clear error and leaves no partial file behind."""

import contextlib
import errno
import os

from django.core.files.storage import FileSystemStorage

from .errors import disk_full

FULL = {errno.ENOSPC, errno.EDQUOT}


class CleanFileSystemStorage(FileSystemStorage):
    """Django's FileSystemStorage; a write that fails removes its own partial file (never an orphan)."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as exc:
            # The file was opened with O_EXCL under this name, so whatever is there is this write's own.
            if exc.errno in FULL:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.path(name))
                raise disk_full() from exc
            raise
