"""Names of the district's units (real) and of its demo villages, streets and people (synthetic)."""

DISTRICT = ("Bắc Trà My", "Bac Tra My")
TOWN = "Trà My"
TOWN_LONLAT = (108.23, 15.35)

# The 13 commune-level units with a rough layout (local km east/north of 108.175E 15.275N) that
# keeps their real relative positions: the town and Trà Sơn in the north, Trà Bui and Trà Đốc by
# the Sông Tranh in the west, Trà Giác, Trà Giáp and Trà Ka towards Nam Trà My in the south.
COMMUNES = (
    # name, code, kind, (x_km, y_km), villages
    ("Trà My", "tra-my", "town", (5.9, 8.3), 6),
    ("Trà Sơn", "tra-son", "commune", (-1.5, 12.0), 4),
    ("Trà Dương", "tra-duong", "commune", (11.0, 12.0), 3),
    ("Trà Nú", "tra-nu", "commune", (15.0, 4.0), 3),
    ("Trà Kót", "tra-kot", "commune", (14.0, -5.0), 3),
    ("Trà Giang", "tra-giang", "commune", (7.5, 1.0), 4),
    ("Trà Đông", "tra-dong", "commune", (4.0, -6.0), 3),
    ("Trà Tân", "tra-tan", "commune", (-3.0, 3.0), 3),
    ("Trà Đốc", "tra-doc", "commune", (-9.0, 10.0), 4),
    ("Trà Bui", "tra-bui", "commune", (-16.0, 3.0), 3),
    ("Trà Giác", "tra-giac", "commune", (-12.0, -6.0), 4),
    ("Trà Giáp", "tra-giap", "commune", (-4.0, -11.0), 3),
    ("Trà Ka", "tra-ka", "commune", (7.0, -13.0), 3),
)

# Town neighbourhoods (tổ dân phố); synthetic names in the local style.
TOWN_QUARTERS = ("Đàng Nang", "Trấn Dương", "Minh Đức", "Dương Hoà", "Đồng Trường", "Mậu Cà")

STREETS = (
    "Hùng Vương",
    "Nguyễn Văn Trỗi",
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Phan Chu Trinh",
    "Quang Trung",
    "Nguyễn Huệ",
    "Lý Thường Kiệt",
    "Hai Bà Trưng",
    "Võ Thị Sáu",
    "Ngô Quyền",
    "Lê Duẩn",
    "Trần Phú",
    "Nguyễn Trãi",
    "Bạch Đằng",
    "Phạm Văn Đồng",
)

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hồ", "Võ", "Huỳnh", "Đinh", "Hồ Văn", "Bhling", "Hiên", "Đoàn")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thị Thu", "Công")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trung",
    "Tuấn",
    "Vân",
    "Xuân",
    "Yến",
    "Khánh",
    "Phương",
    "Thành",
)

COMPLAINT_CATEGORIES = (
    "road_damage",
    "rubbish",
    "no_signal",
    "landslide",
    "water_supply",
    "electricity",
    "construction",
    "public_order",
    "other",
)
COMPLAINT_STATUSES = ("received", "acknowledged", "in_progress", "resolved", "closed")
# The public answer an officer gives when a report of this category is resolved.
COMPLAINT_ANSWERS = {
    "road_damage": "Đã vá ổ gà và gia cố nền đường đoạn bị sụt lún; đề nghị bà con đi lại cẩn thận.",
    "rubbish": "Đã thu gom rác tại điểm tập kết; xe thu gom sẽ đi qua khu vực vào thứ Hai và thứ Năm.",
    "no_signal": "Đã chuyển phản ánh đến nhà mạng; khu vực được đưa vào danh sách điểm lõm sóng cần phủ.",
    "landslide": "Đã dọn đất đá trên mặt đường, cắm biển cảnh báo sạt lở tại hai đầu đoạn đường.",
    "water_supply": "Đã súc rửa bể lắng và thay đoạn ống hỏng; nước sinh hoạt đã cấp lại bình thường.",
    "electricity": "Điện lực đã căng lại dây và thay cột điện nghiêng; lưới điện đã an toàn.",
    "construction": "Đã lập biên bản, yêu cầu chủ công trình tháo dỡ phần lấn chiếm và đặt biển báo.",
    "public_order": "Công an xã đã nhắc nhở các hộ liên quan và tăng cường tuần tra ban đêm.",
    "other": "Đã tiếp nhận và đưa vào kế hoạch lắp đèn chiếu sáng của xã trong năm nay.",
}
COMPLAINT_TEXT = {
    "road_damage": "Đường bê tông liên thôn bị sụt lún, ổ gà lớn, xe máy đi lại nguy hiểm.",
    "rubbish": "Rác thải sinh hoạt tập kết bên đường lâu ngày chưa được thu gom, bốc mùi.",
    "no_signal": "Khu dân cư không có sóng điện thoại, không gọi được khi cần cấp cứu.",
    "landslide": "Sạt lở taluy dương sau mưa lớn, đất đá tràn xuống mặt đường.",
    "water_supply": "Nước sinh hoạt tự chảy bị đục và mất nước nhiều ngày.",
    "electricity": "Mất điện thường xuyên, dây điện võng thấp qua khu dân cư.",
    "construction": "Công trình xây dựng lấn chiếm hành lang đường, không có biển báo.",
    "public_order": "Tụ tập gây ồn ào vào ban đêm gần khu dân cư.",
    "other": "Đề nghị lắp thêm đèn chiếu sáng tại khu vực ngầm tràn.",
}
