"""A newer DEM waits for an explicit activation; the previous one is kept to go back to."""

import pytest
from django.core.management import CommandError, call_command

from layers.telecom import terrain
from layers.web import basemap
from rasterstore.models import RasterAsset
from tests.telecom import scene


def test_a_second_dem_is_not_used_until_activated_and_the_first_is_kept(db, tmp_path, capsys):
    call_command("ingest_raster", scene.write_utm(tmp_path / "first.tif"), "--kind", "dem")
    first = RasterAsset.objects.get(kind="dem")
    assert first.active and terrain.dem_asset().pk == first.pk
    call_command("ingest_raster", scene.write_utm(tmp_path / "second.tif", ridge=False), "--kind", "dem")
    second = RasterAsset.objects.exclude(pk=first.pk).get(kind="dem")
    assert "activate_dem" in capsys.readouterr().out
    # Every viewshed and the base map still use the first.
    assert not second.active
    assert terrain.dem_asset().pk == first.pk and basemap.latest_dem().pk == first.pk

    call_command("activate_dem", str(second.pk))
    assert f"DEM {first.pk}" in capsys.readouterr().out
    assert terrain.dem_asset().pk == second.pk and basemap.latest_dem().pk == second.pk
    assert list(RasterAsset.objects.filter(kind="dem", active=True).values_list("pk", flat=True)) == [second.pk]
    assert RasterAsset.objects.filter(pk=first.pk).exists()  # kept, to go back to
    call_command("activate_dem", str(first.pk))
    assert terrain.dem_asset().pk == first.pk
    with pytest.raises(CommandError):
        call_command("activate_dem", "999999")
