"""Hostile zip archives: refused before anything is extracted, and nothing is written."""

import io
import tempfile
import zipfile

import pytest
import shapely

from ingest import archive, imports
from layers.parcels.models import Parcel

from .conftest import square, write_ogr

# Writing shapefiles, GDAL shortens long names and warns; that is the situation under test.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Normalized/laundered field name:RuntimeWarning", "ignore:'crs' was not provided:UserWarning"
)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile at an empty folder so that any extraction would be seen there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def shapefile_parts(tmp_path):
    """The sidecar files of a real one-parcel shapefile, as (name, bytes)."""
    folder = tmp_path / "shp"
    folder.mkdir()
    write_ogr(
        folder / "parcels.shp",
        [square(108.23, 15.35)],
        {"map_sheet": ["1"], "parcel_num": ["9"], "land_use_c": ["ODT"]},
        driver="ESRI Shapefile",
        crs="EPSG:4326",
        geometry_type="Polygon",
    )
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


def _zip(path, parts, extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            zf.writestr(name, data)
        for info, data in extra:
            zf.writestr(info, data)
    return path


def _symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (0o120777 << 16) | 0x20
    return info, target.encode()


def _assert_refused_untouched(path, private_tmp, words):
    before = Parcel.objects.count()
    with pytest.raises(archive.ArchiveError) as info:
        imports.import_file(path, "parcels", staff=True)
    assert words in info.value.message and info.value.status == 400
    assert Parcel.objects.count() == before
    assert list(private_tmp.iterdir()) == [], "nothing may be extracted"


def test_a_clean_zipped_shapefile_lands(db, tmp_path, private_tmp, shapefile_parts):
    report = imports.import_file(_zip(tmp_path / "ok.zip", shapefile_parts), "parcels", staff=True)
    assert (report.written, report.rejected) == (1, [])
    assert list(private_tmp.iterdir()) == [], "the extraction folder is removed afterwards"


@pytest.mark.parametrize(
    "evil, words",
    [
        (("../../evil.txt", b"x"), "đường dẫn vượt ra ngoài thư mục"),
        (("data/../../evil.txt", b"x"), "đường dẫn vượt ra ngoài thư mục"),
        (("/etc/cron.d/evil", b"x"), "đường dẫn tuyệt đối"),
        (("C:\\Windows\\evil.txt", b"x"), "đường dẫn tuyệt đối"),
    ],
)
def test_traversal_and_absolute_entries_are_refused(db, tmp_path, private_tmp, shapefile_parts, evil, words):
    _assert_refused_untouched(_zip(tmp_path / "evil.zip", [*shapefile_parts, evil]), private_tmp, words)


def test_symlinks_are_refused(db, tmp_path, private_tmp, shapefile_parts):
    path = _zip(tmp_path / "link.zip", shapefile_parts, [_symlink("parcels.qix", "/etc/passwd")])
    _assert_refused_untouched(path, private_tmp, "liên kết tượng trưng")


def test_ten_thousand_entries_are_refused(db, tmp_path, private_tmp, shapefile_parts):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in shapefile_parts:
            zf.writestr(name, data)
        for i in range(10_000):
            zf.writestr(f"junk/{i}.txt", b"")
    _assert_refused_untouched(path, private_tmp, "Tệp nén có 10005 mục; chỉ nhận tối đa 1000 mục")


def test_a_zip_bomb_is_refused_by_its_ratio(db, tmp_path, private_tmp, shapefile_parts):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in shapefile_parts:
            zf.writestr(name, data)
        with zf.open("parcels.txt", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(64):
                entry.write(zeros)
    assert path.stat().st_size < 1024 * 1024
    _assert_refused_untouched(path, private_tmp, "có thể là bom nén")


def test_a_nested_zip_is_refused_even_when_renamed(db, tmp_path, private_tmp, shapefile_parts):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.txt", b"a")
    named = _zip(tmp_path / "nested.zip", [*shapefile_parts, ("inner.zip", inner.getvalue())])
    _assert_refused_untouched(named, private_tmp, "tệp nén nằm trong tệp nén")
    renamed = _zip(tmp_path / "renamed.zip", [*shapefile_parts, ("readme.txt", inner.getvalue())])
    _assert_refused_untouched(renamed, private_tmp, "tệp nén nằm trong tệp nén")


def test_total_size_and_entry_caps_are_parameters(tmp_path, private_tmp):
    path = _zip(tmp_path / "big.zip", [("a.bin", shapely.to_wkb(shapely.Point(1, 1)) * 100)])
    with pytest.raises(archive.ArchiveError, match="Tệp nén giải ra hơn 100 byte"):
        archive.extract(path, archive.Caps(max_total_bytes=100))
    with pytest.raises(archive.ArchiveError, match="tối đa 0 mục"):
        archive.extract(path, archive.Caps(max_entries=0))
    folder = archive.extract(path)
    assert (folder / "a.bin").stat().st_size == 2100
    assert folder.parent == private_tmp


def test_a_lying_declared_size_is_caught_while_extracting(tmp_path, private_tmp):
    path = _zip(tmp_path / "liar.zip", [("a.txt", b"x" * 5000)])
    data = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size of the entry to 10 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(archive.ArchiveError):
        archive.extract(path)
    assert list(private_tmp.iterdir()) == []


def test_not_a_zip_is_a_clear_400(db, tmp_path, private_tmp):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(archive.ArchiveError, match="Không phải tệp zip đọc được"):
        imports.import_file(path, "parcels", staff=True)
