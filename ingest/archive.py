"""Safe handling of uploaded zip archives: every entry is checked before anything is extracted.

Refused: entries with ``..`` or absolute paths, symlinks, more entries than the cap, a total
uncompressed size over the cap, an absurd compression ratio (zip bomb) and nested archives. The
declared sizes are not trusted during extraction either: bytes are counted as they are written.
Nothing here reads settings: the caller passes the caps.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from geoplatform.errors import PlatformError

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
# Shapefiles compress 2-30x (wide, blank dBase text columns more); deflate tops out near 1,000x,
# which is what a zip bomb is made of.
MAX_RATIO = 250
# Ratios are only judged on entries big enough for the ratio to mean something.
RATIO_MIN_BYTES = 1024 * 1024
ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz")


class ArchiveError(PlatformError):
    """An archive that is unsafe or unreadable; nothing was extracted."""

    status = 400
    code = "unsafe_archive"

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class Caps:
    """The limits an archive must stay under."""

    max_entries: int = MAX_ENTRIES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: float = MAX_RATIO


def _unsafe_name(name: str) -> str | None:
    """Why an entry name is unsafe, or None."""
    if not name or "\x00" in name:
        return _("tên trống hoặc chứa ký tự NUL")
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return _("đường dẫn tuyệt đối")
    if ".." in PurePosixPath(normalised).parts:
        return _("đường dẫn vượt ra ngoài thư mục (..)")
    return None


def _refused(name: str, why: str) -> ArchiveError:
    return ArchiveError(_("Mục %(name)s trong tệp nén bị từ chối: %(why)s") % {"name": repr(name[:200]), "why": why})


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def check(zf: zipfile.ZipFile, caps: Caps = Caps()) -> list[zipfile.ZipInfo]:
    """Check every entry of an open zip against the caps; return the file entries or raise ArchiveError."""
    infos = zf.infolist()
    if len(infos) > caps.max_entries:
        message = _("Tệp nén có %(count)s mục; chỉ nhận tối đa %(max)s mục")
        raise ArchiveError(message % {"count": len(infos), "max": caps.max_entries})
    total = 0
    files = []
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise _refused(info.filename, why)
        if _is_symlink(info):
            raise _refused(info.filename, _("liên kết tượng trưng (symbolic link)"))
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(_("Mục %(name)s trong tệp nén bị mã hoá") % {"name": repr(info.filename[:200])})
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            raise _refused(info.filename, _("tệp nén nằm trong tệp nén"))
        total += info.file_size
        if total > caps.max_total_bytes:
            message = _("Tệp nén giải ra hơn %(max)s byte (có thể là bom nén)")
            raise ArchiveError(message % {"max": caps.max_total_bytes})
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > caps.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            message = _("Mục %(name)s trong tệp nén giải ra gấp %(ratio)s lần (quá %(max)s lần: có thể là bom nén)")
            values = {"name": repr(info.filename[:200]), "ratio": f"{ratio:.0f}", "max": f"{caps.max_ratio:.0f}"}
            raise ArchiveError(message % values)
        files.append(info)
    # Content, not only names: an archive renamed .shp is still an archive.
    for info in files:
        try:
            with zf.open(info) as handle:
                head = handle.read(8)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            message = _("Không đọc được mục %(name)s trong tệp nén: %(detail)s")
            raise ArchiveError(message % {"name": repr(info.filename[:200]), "detail": exc}) from None
        if head.startswith(ARCHIVE_MAGICS):
            raise _refused(info.filename, _("tệp nén nằm trong tệp nén"))
    return files


def _copy_bounded(source, target, budget: int, name: str) -> int:
    written = 0
    while chunk := source.read(1024 * 1024):
        written += len(chunk)
        if written > budget:
            message = _("Mục %(name)s trong tệp nén giải ra lớn hơn kích thước đã khai (có thể là bom nén)")
            raise ArchiveError(message % {"name": repr(name[:200])})
        target.write(chunk)
    return written


def extract(path: str | Path, caps: Caps = Caps(), *, into: str | Path | None = None) -> Path:
    """Check a zip and only then extract it into a new temporary directory, which is returned.

    The caller removes the directory (shutil.rmtree) when done. On any refusal nothing is left.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(_("Không phải tệp zip đọc được: %(detail)s") % {"detail": exc}) from None
    with zf:
        files = check(zf, caps)
        target = Path(tempfile.mkdtemp(prefix="gp-archive-", dir=into))
        try:
            remaining = caps.max_total_bytes
            for info in files:
                destination = target.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                if not destination.resolve().is_relative_to(target.resolve()):
                    raise _refused(info.filename, _("thoát ra ngoài thư mục giải nén"))
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(destination, "xb") as sink:
                    remaining -= _copy_bounded(source, sink, min(info.file_size, remaining), info.filename)
        except (ArchiveError, zipfile.BadZipFile, OSError, EOFError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            if isinstance(exc, ArchiveError):
                raise
            raise ArchiveError(_("Không giải nén được tệp: %(detail)s") % {"detail": exc}) from None
    return target
