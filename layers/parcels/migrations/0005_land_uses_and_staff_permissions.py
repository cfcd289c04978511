"""Seed the national land-use list and give urban_staff the parcel admin permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Codes and names of the national list (Thông tư 08/2024/TT-BTNMT, appendix of land types).
LAND_USES = [
    ("LUC", "Đất chuyên trồng lúa", "Đất nông nghiệp"),
    ("LUK", "Đất trồng lúa còn lại", "Đất nông nghiệp"),
    ("LUN", "Đất lúa nương", "Đất nông nghiệp"),
    ("BHK", "Đất bằng trồng cây hằng năm khác", "Đất nông nghiệp"),
    ("NHK", "Đất nương rẫy trồng cây hằng năm khác", "Đất nông nghiệp"),
    ("CLN", "Đất trồng cây lâu năm", "Đất nông nghiệp"),
    ("RSX", "Đất rừng sản xuất", "Đất nông nghiệp"),
    ("RPH", "Đất rừng phòng hộ", "Đất nông nghiệp"),
    ("RDD", "Đất rừng đặc dụng", "Đất nông nghiệp"),
    ("NTS", "Đất nuôi trồng thủy sản", "Đất nông nghiệp"),
    ("LMU", "Đất làm muối", "Đất nông nghiệp"),
    ("NKH", "Đất nông nghiệp khác", "Đất nông nghiệp"),
    ("ONT", "Đất ở tại nông thôn", "Đất phi nông nghiệp"),
    ("ODT", "Đất ở tại đô thị", "Đất phi nông nghiệp"),
    ("TSC", "Đất xây dựng trụ sở cơ quan", "Đất phi nông nghiệp"),
    ("DTS", "Đất xây dựng trụ sở của tổ chức sự nghiệp", "Đất phi nông nghiệp"),
    ("CQP", "Đất quốc phòng", "Đất phi nông nghiệp"),
    ("CAN", "Đất an ninh", "Đất phi nông nghiệp"),
    ("DVH", "Đất xây dựng cơ sở văn hóa", "Đất phi nông nghiệp"),
    ("DYT", "Đất xây dựng cơ sở y tế", "Đất phi nông nghiệp"),
    ("DGD", "Đất xây dựng cơ sở giáo dục và đào tạo", "Đất phi nông nghiệp"),
    ("DTT", "Đất xây dựng cơ sở thể dục thể thao", "Đất phi nông nghiệp"),
    ("SKK", "Đất khu công nghiệp", "Đất phi nông nghiệp"),
    ("TMD", "Đất thương mại, dịch vụ", "Đất phi nông nghiệp"),
    ("SKC", "Đất cơ sở sản xuất phi nông nghiệp", "Đất phi nông nghiệp"),
    ("DGT", "Đất giao thông", "Đất phi nông nghiệp"),
    ("DTL", "Đất công trình thủy lợi", "Đất phi nông nghiệp"),
    ("DNL", "Đất công trình năng lượng", "Đất phi nông nghiệp"),
    ("DBV", "Đất công trình bưu chính, viễn thông", "Đất phi nông nghiệp"),
    ("DCH", "Đất chợ", "Đất phi nông nghiệp"),
    ("DKV", "Đất khu vui chơi, giải trí công cộng", "Đất phi nông nghiệp"),
    ("DRA", "Đất bãi thải, xử lý chất thải", "Đất phi nông nghiệp"),
    ("TON", "Đất tôn giáo", "Đất phi nông nghiệp"),
    ("TIN", "Đất tín ngưỡng", "Đất phi nông nghiệp"),
    ("NTD", "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng", "Đất phi nông nghiệp"),
    ("SON", "Đất sông, ngòi, kênh, rạch, suối", "Đất phi nông nghiệp"),
    ("MNC", "Đất có mặt nước chuyên dùng", "Đất phi nông nghiệp"),
    ("PNK", "Đất phi nông nghiệp khác", "Đất phi nông nghiệp"),
    ("BCS", "Đất bằng chưa sử dụng", "Đất chưa sử dụng"),
    ("DCS", "Đất đồi núi chưa sử dụng", "Đất chưa sử dụng"),
    ("NCS", "Núi đá không có rừng cây", "Đất chưa sử dụng"),
]
STAFF_PERMISSIONS = [
    "add_parcel",
    "change_parcel",
    "delete_parcel",
    "view_parcel",
    "view_landuse",
    "view_lineage",
    "view_parcelevent",
]


def seed(apps, schema_editor):
    LandUse = apps.get_model("parcels", "LandUse")
    for code, name, group in LAND_USES:
        LandUse.objects.update_or_create(code=code, defaults={"name": name, "group": group})
    # Permissions are normally made after migrating; make them now so the group can hold them.
    config = apps.get_app_config("parcels")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name="urban_staff")
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="parcels", codename__in=STAFF_PERMISSIONS))


def unseed(apps, schema_editor):
    apps.get_model("parcels", "LandUse").objects.filter(code__in=[c for c, _n, _g in LAND_USES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parcels", "0004_rules_history"),
        ("layers", "0001_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
