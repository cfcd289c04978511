"""ingest.rasters.open_checked: hostile rasters refused before reading, NetCDF normalised."""

import numpy as np
import pytest
import rasterio
import xarray as xr
from rasterio.transform import from_origin

from ingest.rasters import RasterRefused, RasterTooLarge, open_checked, read_masked, summarise


def _tiff(path, data, *, crs="EPSG:4326", nodata=None, transform=None):
    data = np.asarray(data)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs=crs,
        nodata=nodata,
        transform=transform or from_origin(108.0, 15.4, 0.01, 0.01),
    ) as ds:
        ds.write(data, 1)
    return path


def test_geotiff_with_crs_opens_and_reads(tmp_path):
    path = _tiff(tmp_path / "ok.tif", np.arange(12, dtype="int16").reshape(3, 4), nodata=0)
    with open_checked(path) as ds:
        assert ds.crs.to_epsg() == 4326
        facts = summarise(ds)
    assert facts["valid_pixels"] == 11 and facts["min"] == 1 and not facts["all_nodata"]


def test_raster_without_crs_is_refused(tmp_path):
    path = _tiff(tmp_path / "nocrs.tif", np.ones((3, 3), "uint8"), crs=None)
    with pytest.raises(RasterRefused, match="cần có hệ toạ độ"), open_checked(path):
        pass


def test_vrt_renamed_tif_is_refused(tmp_path):
    target = _tiff(tmp_path / "target.tif", np.ones((3, 3), "uint8"))
    vrt = tmp_path / "evil.tif"
    vrt.write_text(
        f'<VRTDataset rasterXSize="3" rasterYSize="3"><VRTRasterBand dataType="Byte" band="1">'
        f"<SimpleSource><SourceFilename>{target}</SourceFilename><SourceBand>1</SourceBand></SimpleSource>"
        f"</VRTRasterBand></VRTDataset>"
    )
    with pytest.raises(RasterRefused), open_checked(vrt):
        pass


def test_url_is_refused_without_fetching():
    with pytest.raises(RasterRefused, match="Chỉ đọc tệp raster trên máy"), open_checked("http://127.0.0.1:9/x.tif"):
        pass


def test_declared_huge_raster_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.tif"
    with (
        rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True),
        rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=100_000,
            height=100_000,
            count=4,
            dtype="float32",
            crs="EPSG:4326",
            transform=from_origin(0, 0, 1, 1),
            tiled=True,
            blockxsize=4096,
            blockysize=4096,
            compress="deflate",
            sparse_ok=True,
        ),
    ):
        pass
    assert path.stat().st_size < 5_000_000
    with pytest.raises(RasterTooLarge, match="100000x100000x4"), open_checked(path):
        pass


def test_truncated_geotiff_is_refused_when_read(tmp_path):
    path = _tiff(tmp_path / "cut.tif", np.random.default_rng(1).integers(0, 255, (200, 200)).astype("uint8"))
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(RasterRefused), open_checked(path) as ds:
        read_masked(ds)


def test_all_nodata_is_accepted_and_flagged(tmp_path):
    path = _tiff(tmp_path / "empty.tif", np.full((4, 4), -9999, "float32"), nodata=-9999)
    with open_checked(path) as ds:
        facts = summarise(ds)
    assert facts["all_nodata"] and facts["nodata_defined"] and "min" not in facts


def test_undefined_nodata_is_flagged(tmp_path):
    path = _tiff(tmp_path / "nond.tif", np.ones((2, 2), "uint8"))
    with open_checked(path) as ds:
        assert summarise(ds)["nodata_defined"] is False


def test_netcdf_without_grid_mapping_needs_a_crs(tmp_path):
    lat, lon = np.linspace(15.1, 15.4, 4), np.linspace(108.0, 108.3, 5)
    ds = xr.Dataset({"v": (("lat", "lon"), np.ones((4, 5), "f4"))}, coords={"lat": lat, "lon": lon})
    ds.to_netcdf(tmp_path / "nocrs.nc")
    with pytest.raises(RasterRefused, match="cần có hệ toạ độ"), open_checked(tmp_path / "nocrs.nc"):
        pass


def test_netcdf_ascending_latitude_and_0_360_longitude_are_normalised(tmp_path):
    lat = np.array([15.0, 15.5, 16.0])  # ascending: south row first
    lon = np.array([0.5, 1.5, 358.5, 359.5])  # 0-360
    values = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], "f4")
    ds = xr.Dataset({"v": (("lat", "lon"), values)}, coords={"lat": lat, "lon": lon}).rio.write_crs(4326)
    ds.to_netcdf(tmp_path / "wrap.nc")
    with open_checked(tmp_path / "wrap.nc") as grid:
        data = read_masked(grid)
        west, south, east, north = grid.bounds
        # North-up: first row is lat 16.0; columns run from -1.5 to 1.5.
        assert data[0].tolist() == [11, 12, 9, 10]
        assert data[2].tolist() == [3, 4, 1, 2]
        assert (west, east, north, south) == pytest.approx((-2.0, 2.0, 16.25, 14.75))
        row, col = grid.index(1.5, 16.0)
        assert data[row, col] == 10


def test_netcdf_driver_not_allowed_is_refused(tmp_path):
    lat, lon = np.linspace(15.1, 15.4, 4), np.linspace(108.0, 108.3, 5)
    ds = xr.Dataset({"v": (("lat", "lon"), np.ones((4, 5), "f4"))}, coords={"lat": lat, "lon": lon})
    path = tmp_path / "ok.nc"
    ds.rio.write_crs(4326).to_netcdf(path)
    with pytest.raises(RasterRefused, match="ở đây không nhận tệp"), open_checked(path, allowed_drivers=("GTiff",)):
        pass
