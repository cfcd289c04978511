"""Interface texts the map script needs, translated on the server (Vietnamese source, English catalogue)."""

from django.utils.translation import gettext as _


def for_script() -> dict:
    """The translated texts of the map and embed scripts."""
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
        "noFireAlerts": _("Không có điểm cháy trong 24 giờ qua"),
        "noComplaints": _("Không có phản ánh đang chờ"),
        "basemapOnline": _("Bản đồ nền trực tuyến (OSM)"),
        "basemapOffline": _("Bản đồ nền ngoại tuyến (địa hình)"),
        "basemapFallback": _("Không tải được bản đồ nền trực tuyến: đã chuyển sang bản đồ nền ngoại tuyến."),
        "offlineAttribution": _("Địa hình: DEM huyện; ranh giới, sông, thôn: geoplatform"),
        "themes": {
            "places": _("Hành chính"),
            "telecom": _("Viễn thông"),
            "fire": _("Cháy rừng"),
            "feedback": _("Phản ánh kiến nghị"),
            "cameras": _("Camera"),
            "parcels": _("Đất đai đô thị"),
            "flood": _("Ngập lụt"),
        },
        "fields": {
            "name": _("Tên"),
            "commune": _("Xã"),
            "households": _("Số hộ"),
            "population": _("Dân số"),
            "has_cultural_house": _("Có nhà văn hoá"),
            "elevation_m": _("Độ cao (m)"),
            "status": _("Trạng thái"),
            "category": _("Lĩnh vực"),
            "description": _("Nội dung"),
            "created_at": _("Thời gian gửi"),
            "tracking_code": _("Mã phản ánh"),
            "operator": _("Nhà mạng"),
            "technology": _("Công nghệ"),
            "severity": _("Mức độ"),
            "kind": _("Loại"),
            "acquired_at": _("Thời điểm chụp"),
            "confidence": _("Độ tin cậy"),
            "code": _("Mã"),
        },
    }
