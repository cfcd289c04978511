"""Interface texts the map script needs, translated on the server (Vietnamese source, English catalogue).

Besides the interface words, the map gets a word for every field and coded value of the catalogue's
layers, the unit of every measured field, and which layer a foreign-key field points to, so that a
popup never shows a field name, a code or a database id.
"""

from django.db.models import ForeignKey
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from layers.crossings import words as crossing_words
from layers.fire import display
from layers.parcels.models import LEGAL_STATUSES

# The unit of each measured field, shown after its rounded number (units are the same in both languages).
UNITS = {
    "elevation_m": "m",
    "antenna_height_m": "m",
    "range_m": "m",
    "village_distance_m": "m",
    "azimuth_deg": "°",
    "beamwidth_deg": "°",
    "band_mhz": "MHz",
    "power_dbm": "dBm",
    "dbm": "dBm",
    "gain_dbi": "dBi",
    "frp": "MW",
    "max_frp": "MW",
    "brightness": "K",
    "area_m2": "m²",
    "area_ha": "ha",
    "area_km2": "km²",
    **crossing_words.UNITS,
}

# Values that are a comma-separated list of codes (the reasons of a coverage gap).
LISTS = {"coverage-gaps": ["reason"]}
# Fields a popup leaves out: identifiers for machines (a commune's slug code), not for people.
HIDDEN = {"communes": ["code"]}

# Satellites are proper names, the same in both languages.
SATELLITES = {
    "N": "Suomi NPP",
    "N20": "NOAA-20",
    "1": "NOAA-20",
    "N21": "NOAA-21",
    "2": "NOAA-21",
    "T": "Terra",
    "Terra": "Terra",
    "A": "Aqua",
    "Aqua": "Aqua",
}
OPERATORS = {"viettel": "Viettel", "vnpt": "VNPT", "mobifone": "MobiFone"}


def for_script(user=None, *, public_only: bool = False) -> dict:
    """The translated texts of the map and embed scripts.

    Field words, value words and references cover only the layers and fields this user may see
    (an embed: public layers and public fields), so that the page never names a private field.
    """
    visible = _visible_fields(user, public_only)
    return {
        "yes": _("Có"),
        "no": _("Không"),
        "all": _("Tất cả"),
        "filter": _("Lọc theo thuộc tính"),
        "loading": _("đang tải…"),
        "loadFailed": _("không tải được"),
        "catalogueFailed": _("Không tải được danh mục lớp bản đồ."),
        "noResults": _("Không tìm thấy"),
        "noLayer": _("Chưa có lớp dữ liệu này"),
        "noFireAlerts": _("Không có cảnh báo cháy đang mở"),
        "noFireHotspots": _("Không có điểm cháy trong 24 giờ qua"),
        "hotspots": _("điểm cháy"),
        "hoursAgo": _("giờ trước"),
        "overdue": _("Quá hạn"),
        "deadline": _("Hạn xử lý"),
        "openDetail": _("Mở chi tiết"),
        "editFeature": _("Sửa trên bàn làm việc"),
        "nearVillage": _("gần"),
        "noComplaints": _("Không có phản ánh đang chờ"),
        "basemapOnline": _("Bản đồ nền trực tuyến (OSM)"),
        "basemapOffline": _("Bản đồ nền ngoại tuyến (địa hình)"),
        "basemapFallback": _("Không tải được bản đồ nền trực tuyến: đã chuyển sang bản đồ nền ngoại tuyến."),
        "offlineAttribution": _("Địa hình: DEM huyện; ranh giới, sông, thôn: geoplatform"),
        "zoomIn": _("Phóng to để xem"),
        "zoomInTo": _("Phóng to để xem: %s"),
        "zoomInButton": _("Phóng to"),
        "inView": _("%s trong khung nhìn"),
        "alsoHere": _("Cũng ở đây"),
        "nothingHere": _("Không có đối tượng nào tại đây"),
        "here": pgettext("map popup", "Vị trí"),
        "report": _("Phản ánh"),
        "reportHere": _("Phản ánh sự việc tại đây"),
        "reportTitle": _("Gửi phản ánh về một sự việc tại giữa bản đồ"),
        "close": _("Đóng"),
        "zoomInTitle": _("Phóng to"),
        "zoomOutTitle": _("Thu nhỏ"),
        "basemaps": _("Bản đồ nền"),
        "legend": _("Chú giải"),
        "andMore": _("và %s mục khác"),
        "typeValue": _("Gõ rồi nhấn Enter"),
        "timeMissing": _("Chọn thời điểm bắt đầu, thời điểm kết thúc hoặc cả hai."),
        "timeOrder": _("Thời điểm kết thúc phải sau thời điểm bắt đầu."),
        # A feature whose label is a bare number is called by what it is ("Thửa 350, tờ 88").
        "titles": {"parcels": _("Thửa {parcel_number}, tờ {map_sheet}")},
        "nouns": {"parcels": _("Thửa")},
        "complaintStatus": _complaint_states(),
        "fireStatus": _fire_states(),
        # Field names that mean something else on one layer: a fire event's "status" is the fire's own.
        "layerFields": {"fire-events": {"status": _("Đám cháy"), "alert_state": _("Cảnh báo")}},
        "alertState": _alert_states(),
        "themes": {
            "places": _("Hành chính"),
            "telecom": _("Viễn thông"),
            "fire": _("Cháy rừng"),
            "feedback": _("Phản ánh kiến nghị"),
            "cameras": _("Camera"),
            "parcels": _("Đất đai đô thị"),
            "flood": _("Ngập lụt"),
            "crossings": crossing_words.theme(),
        },
        "fields": _only(field_labels(), {name for names in visible.values() for name in names}),
        "units": UNITS,
        "values": {
            slug: _only(words, visible.get(slug, ())) for slug, words in value_labels().items() if slug in visible
        },
        "lists": LISTS,
        "hidden": HIDDEN,
        "refs": {slug: _only(refs, visible[slug]) for slug, refs in references().items() if slug in visible},
    }


def _visible_fields(user, public_only: bool) -> dict:
    """{layer slug: field names} of the layers this user (or an anonymous embed visitor) may read."""
    from layers.registry import registry

    if public_only or user is None:
        return {layer.slug: layer.public_fields for layer in registry.all() if layer.public}
    return {layer.slug: layer.fields_for(user) for layer in registry.readable_by(user)}


def _only(mapping: dict, keep) -> dict:
    keep = set(keep)
    return {k: v for k, v in mapping.items() if k in keep or k == "overdue"}


def field_labels() -> dict:
    """A word for every field of the catalogue's layers (units are added to the values, not here)."""
    return {
        "name": _("Tên"),
        "name_en": _("Tên tiếng Anh"),
        "synthetic": _("Dữ liệu mẫu"),
        "code": _("Mã"),
        "kind": _("Loại"),
        "commune": _("Xã"),
        # A context where another app's catalogue translates the same Vietnamese differently (apps listed
        # earlier win): "Thôn" is "Villages" in the telecom app, "Đã tiếp nhận" the fire alerts' "Acknowledged".
        "village": pgettext("map field", "Thôn"),
        "households": _("Số hộ"),
        "population": _("Dân số"),
        "has_cultural_house": _("Có nhà văn hoá"),
        "elevation_m": _("Độ cao"),
        "status": _("Trạng thái"),
        "category": _("Lĩnh vực"),
        "description": _("Nội dung"),
        "created_at": _("Thời gian gửi"),
        "tracking_code": _("Mã phản ánh"),
        "reporter_name": _("Người gửi"),
        "reporter_phone": _("Điện thoại người gửi"),
        "reporter_email": _("Thư điện tử người gửi"),
        "operator": _("Nhà mạng"),
        "technology": _("Công nghệ"),
        "antenna_height_m": _("Độ cao ăng-ten"),
        "azimuth_deg": _("Góc phương vị"),
        "beamwidth_deg": _("Độ rộng búp sóng"),
        "band_mhz": _("Băng tần"),
        "power_dbm": _("Công suất phát"),
        "gain_dbi": _("Độ lợi ăng-ten"),
        "approximate": _("Vị trí gần đúng"),
        "cell_id": _("Mã cell"),
        "severity": _("Mức độ"),
        "method": _("Phương pháp"),
        "computed_at": _("Tính lúc"),
        "reason": _("Nguyên nhân"),
        "site_kind": _("Nơi đặt"),
        "provider": _("Nhà cung cấp"),
        "range_m": _("Bán kính phủ"),
        "dbm": _("Cường độ sóng"),
        "measured_at": _("Đo lúc"),
        "source": _("Nguồn"),
        "device": _("Thiết bị"),
        "last_seen_at": _("Hoạt động lần cuối"),
        "stream_url": _("Địa chỉ luồng hình"),
        "satellite": _("Vệ tinh"),
        "instrument": _("Cảm biến"),
        "acquired_at": _("Thời điểm chụp"),
        "confidence": _("Độ tin cậy"),
        "confidence_raw": _("Độ tin cậy gốc"),
        "frp": _("Công suất bức xạ lửa"),
        "brightness": _("Nhiệt độ sáng"),
        "daynight": _("Ngày/đêm"),
        "fire_type": _("Loại điểm nhiệt"),
        "processing": _("Mức xử lý"),
        "first_seen": _("Phát hiện lúc"),
        "last_seen": _("Lần cuối thấy"),
        "hotspot_count": _("Số điểm cháy"),
        "max_frp": _("Công suất bức xạ lớn nhất"),
        "max_confidence": _("Độ tin cậy cao nhất"),
        "in_forest": _("Trong rừng"),
        "nearest_village": _("Thôn gần nhất"),
        "village_distance_m": _("Cách thôn"),
        "alert_state": _("Trạng thái cảnh báo"),
        "alerted_at": _("Cảnh báo lúc"),
        "burn_date": _("Ngày cháy"),
        "area_ha": _("Diện tích"),
        "pixel_count": _("Số điểm ảnh"),
        "event": _("Đợt ngập"),
        "source_product": _("Sản phẩm nguồn"),
        "observed_at": _("Quan sát lúc"),
        "area_km2": _("Diện tích"),
        "map_sheet": _("Số tờ bản đồ"),
        "parcel_number": _("Số thửa"),
        "land_use_code": _("Loại đất"),
        "area_m2": _("Diện tích"),
        "declared_area_m2": _("Diện tích kê khai"),
        "area_mismatch": _("Lệch với diện tích kê khai"),
        "legal_status": _("Tình trạng pháp lý"),
        "address": _("Địa chỉ"),
        "version": _("Phiên bản"),
        "updated_at": _("Cập nhật lúc"),
        "holder_name": _("Người sử dụng đất"),
        "overdue": _("Quá hạn"),
        **crossing_words.fields(),
    }


def _complaint_states() -> dict:
    return {
        "received": pgettext("complaint status", "Đã tiếp nhận"),
        "acknowledged": _("Đã xác nhận"),
        "in_progress": _("Đang xử lý"),
        "resolved": _("Đã giải quyết"),
        "rejected": _("Từ chối"),
        "closed": _("Đã đóng"),
    }


def _fire_states() -> dict:
    # The fire pages' own words: the fire and its alert are never read as one status.
    return {code: str(word).capitalize() for code, word in display.FIRE_WORDS.items()}


def _alert_states() -> dict:
    return {code: str(word).capitalize() for code, word in display.ALERT_WORDS.items()}


def _vocabularies() -> dict:
    """Words for coded values: by (layer slug, field), or by field name for every layer."""
    confidence = {"low": _("Thấp"), "nominal": _("Trung bình"), "high": _("Cao")}
    site_status = {"active": _("Hoạt động"), "planned": _("Quy hoạch"), "inactive": _("Ngừng")}
    reasons = {
        "in_range": _("Trong vùng phủ"),
        "terrain_shadow": _("Bị địa hình che khuất"),
        "beyond_range": _("Ngoài bán kính phủ sóng"),
        "weak_signal": _("Tín hiệu suy hao"),
        "no_tower": _("Không có trạm"),
        "model": _("Mô hình truyền sóng"),
    }
    return {
        "operator": OPERATORS,
        "technology": {"2G": "2G", "3G": "3G", "4G": "4G"},
        "confidence": confidence,
        "max_confidence": confidence,
        "confidence_raw": {"l": confidence["low"], "n": confidence["nominal"], "h": confidence["high"]},
        "satellite": SATELLITES,
        "daynight": {"D": _("Ngày"), "N": _("Đêm")},
        "fire_type": {
            "0": _("Cháy thảm thực vật"),
            "1": _("Núi lửa"),
            "2": _("Nguồn nhiệt cố định trên đất liền"),
            "3": _("Ngoài khơi"),
        },
        "processing": {
            "NRT": _("Gần thời gian thực"),
            "SP": _("Chuẩn (đã hiệu chỉnh)"),
            "RASTER": _("Ảnh mặt nạ cháy"),
        },
        "alert_state": _alert_states(),
        "severity": {"none": _("Không có sóng"), "weak": _("Sóng yếu")},
        "method": {"model": _("Mô hình truyền sóng"), "drive_test": _("Đo kiểm")},
        "reason": reasons,
        "site_kind": {
            "cultural_house": _("Nhà văn hoá thôn"),
            "commune_office": _("UBND xã"),
            "school": _("Trường học"),
            "other": _("Khác"),
        },
        "land_use_code": {
            "ODT": _("ODT – Đất ở tại đô thị"),
            "ONT": _("ONT – Đất ở tại nông thôn"),
            "CLN": _("CLN – Đất trồng cây lâu năm"),
            "DGT": _("DGT – Đất giao thông"),
            "LUC": _("LUC – Đất chuyên trồng lúa nước"),
            "BHK": _("BHK – Đất trồng cây hằng năm khác"),
            "RSX": _("RSX – Đất rừng sản xuất"),
            "TSC": _("TSC – Đất trụ sở cơ quan"),
            "DGD": _("DGD – Đất xây dựng cơ sở giáo dục"),
            "SKC": _("SKC – Đất cơ sở sản xuất, kinh doanh"),
        },
        ("communes", "kind"): {"commune": _("Xã"), "town": _("Thị trấn")},
        ("forest", "kind"): {
            "natural": _("Rừng tự nhiên"),
            "plantation": _("Rừng trồng"),
            "protection": _("Rừng phòng hộ"),
        },
        ("cameras", "kind"): {
            "security": _("An ninh"),
            "traffic": _("Giao thông"),
            "school": _("Trường học"),
            "water_level": _("Mực nước"),
        },
        ("cameras", "status"): {"online": _("Trực tuyến"), "offline": _("Mất kết nối")},
        ("cell-towers", "status"): site_status,
        ("wifi-points", "status"): site_status,
        ("cell-towers", "source"): {
            "layer": _("Lớp dữ liệu"),
            "carrier": _("Danh sách nhà mạng"),
            "opencellid": "OpenCelliD",
        },
        ("signal-measurements", "source"): {
            "drive_test": _("Đo kiểm"),
            "crowd": _("Cộng đồng"),
            "complaint": _("Phản ánh"),
        },
        ("fire-hotspots", "source"): {
            "VIIRS_SNPP_NRT": _("VIIRS Suomi NPP, gần thời gian thực"),
            "VIIRS_NOAA20_NRT": _("VIIRS NOAA-20, gần thời gian thực"),
            "VIIRS_NOAA21_NRT": _("VIIRS NOAA-21, gần thời gian thực"),
            "VIIRS_SNPP_SP": _("VIIRS Suomi NPP, chuẩn"),
            "MODIS_NRT": _("MODIS, gần thời gian thực"),
            "MODIS_SP": _("MODIS, chuẩn"),
            "MOD14": _("MODIS Terra, ảnh mặt nạ cháy"),
            "MYD14": _("MODIS Aqua, ảnh mặt nạ cháy"),
        },
        # The parcels' legal statuses are the model's own choices (one list of words, kept with the field).
        ("parcels", "legal_status"): {code: capfirst(str(word)) for code, word in LEGAL_STATUSES},
        ("fire-events", "status"): _fire_states(),
        ("complaints", "status"): _complaint_states(),
        **crossing_words.values(),
    }


def value_labels() -> dict:
    """{layer slug: {field: {code: word}}} for every coded field of every registered layer."""
    from layers.registry import registry

    vocab = _vocabularies()
    out = {}
    for layer in registry.all():
        fields = {}
        for name in layer.public_fields + layer.private_fields:
            words = vocab.get((layer.slug, name)) or vocab.get(name)
            if words:
                fields[name] = words
        if layer.model == "feedback.Complaint":
            fields["category"] = _complaint_categories()
        if fields:
            out[layer.slug] = fields
    return out


def _complaint_categories() -> dict:
    """The feedback categories' names in the current language (they are rows, named in both languages)."""
    from layers.feedback.models import Category

    english = (get_language() or "vi").startswith("en")
    return {c.code: (c.name_en if english and c.name_en else c.name_vi) for c in Category.objects.all()}


def references() -> dict:
    """{layer slug: {field: slug of the layer the foreign key points to}}: the map shows names, not ids."""
    from layers.registry import registry

    out = {}
    for layer in registry.all():
        model = layer.model_class
        refs = {}
        for name in layer.public_fields + layer.private_fields:
            field = model._meta.get_field(name)
            if isinstance(field, ForeignKey):
                target = registry.for_model(field.related_model)
                if target is not None and target.label_field:
                    refs[name] = target.slug
        if refs:
            out[layer.slug] = refs
    return out
