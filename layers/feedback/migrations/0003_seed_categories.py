"""The district's offices and the nine agreed categories (Open311 services) with their deadline rules."""

from django.db import migrations

OFFICES = [
    ("kt-ht", "Phòng Kinh tế và Hạ tầng", "Office of Economy and Infrastructure", "district", "ktht@bactramy.example"),
    ("tn-mt", "Phòng Tài nguyên và Môi trường", "Office of Natural Resources and Environment", "district", "tnmt@bactramy.example"),
    ("vh-tt", "Phòng Văn hoá và Thông tin", "Office of Culture and Information", "district", "vhtt@bactramy.example"),
    ("pctt", "Ban Chỉ huy Phòng chống thiên tai và TKCN", "Disaster Prevention Command Board", "district", "pctt@bactramy.example"),
    ("dien-luc", "Điện lực Bắc Trà My", "Bắc Trà My Power Company", "district", "dienluc@bactramy.example"),
    ("cong-an", "Công an huyện", "District Police", "district", "congan@bactramy.example"),
    ("ubnd-xa", "Ủy ban nhân dân xã", "Commune People's Committee", "commune", ""),
]

OPERATOR_ATTRIBUTES = [
    {
        "variable": True,
        "code": "operator",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "Nhà mạng / mobile operator",
        "order": 1,
        "description": "Nhà mạng không có sóng / operator without signal",
        "values": [{"key": "viettel", "name": "Viettel"}, {"key": "vnpt", "name": "VNPT"}, {"key": "mobifone", "name": "MobiFone"}],
    },
    {
        "variable": True,
        "code": "technology",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "2G / 3G / 4G",
        "order": 2,
        "description": "Công nghệ / technology (4G if not given)",
        "values": [{"key": "2G", "name": "2G"}, {"key": "3G", "name": "3G"}, {"key": "4G", "name": "4G"}],
    },
]

# code, vi, en, office, dangerous, kind, value, group
CATEGORIES = [
    ("road_damage", "Hư hỏng đường, cầu, cống", "Road, bridge or culvert damage", "kt-ht", False, "working_days", 3, "infrastructure"),
    ("rubbish", "Rác thải, vệ sinh môi trường", "Rubbish and sanitation", "tn-mt", False, "working_days", 3, "environment"),
    ("no_signal", "Không có sóng điện thoại", "No mobile signal", "vh-tt", False, "working_days", 3, "telecom"),
    ("landslide", "Sạt lở đất, đá", "Landslide", "pctt", True, "hours", 3, "hazard"),
    ("water_supply", "Nước sinh hoạt", "Water supply", "kt-ht", False, "working_days", 3, "infrastructure"),
    ("electricity", "Điện, sự cố lưới điện nguy hiểm", "Electricity hazard", "dien-luc", True, "hours", 3, "hazard"),
    ("construction", "Trật tự xây dựng", "Construction order", "kt-ht", False, "working_days", 7, "urban"),
    ("public_order", "An ninh, trật tự công cộng", "Public order", "cong-an", False, "working_days", 3, "order"),
    ("other", "Khác", "Other", "ubnd-xa", False, "working_days", 3, "other"),
]


def seed(apps, schema_editor):
    Office = apps.get_model("feedback", "Office")
    Category = apps.get_model("feedback", "Category")
    offices = {}
    for code, vi, en, level, email in OFFICES:
        offices[code], _ = Office.objects.get_or_create(
            code=code, defaults={"name_vi": vi, "name_en": en, "level": level, "email": email}
        )
    for order, (code, vi, en, office, dangerous, kind, value, group) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name_vi": vi,
                "name_en": en,
                "office": offices[office],
                "dangerous": dangerous,
                "deadline_kind": kind,
                "deadline_value": value,
                "group": group,
                "keywords": code.replace("_", " "),
                "attributes": OPERATOR_ATTRIBUTES if code == "no_signal" else [],
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_workflow_outbox")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
