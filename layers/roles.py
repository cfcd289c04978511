"""The roles of the operations centre, as Django groups (created by a migration)."""

PLANNER = "planner"
RANGER = "ranger"
URBAN_STAFF = "urban_staff"
FEEDBACK_OFFICER = "feedback_officer"
OPERATOR = "operator"
ADMIN = "admin"

ALL = (PLANNER, RANGER, URBAN_STAFF, FEEDBACK_OFFICER, OPERATOR, ADMIN)
# Roles that read every layer whatever its own read list says.
READ_ALL = frozenset({OPERATOR, ADMIN})

TITLES = {
    PLANNER: ("Quy hoạch viễn thông", "Telecom planner"),
    RANGER: ("Kiểm lâm", "Forest ranger"),
    URBAN_STAFF: ("Quản lý đô thị", "Urban-management staff"),
    FEEDBACK_OFFICER: ("Cán bộ tiếp nhận phản ánh", "Feedback officer"),
    OPERATOR: ("Lãnh đạo IOC", "IOC operator"),
    ADMIN: ("Quản trị", "Administrator"),
}


def of(user) -> frozenset[str]:
    """The role names a user holds; superusers hold admin."""
    if user is None or not user.is_authenticated:
        return frozenset()
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        names.add(ADMIN)
    return frozenset(names)
