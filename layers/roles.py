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
    """The role names a user holds; superusers hold admin. Read once per user object (one per request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    # A request asks several times (the layer, its fields, its tile fields...): one query, kept on the
    # user object as Django keeps its permissions (_perm_cache); the next request loads a new user.
    held = getattr(user, "_geoplatform_roles", None)
    if held is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        held = user._geoplatform_roles = frozenset(names)
    return held
