"""Forms of the public report page and of the officers' actions."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from layers.telecom.models import OPERATORS, TECHNOLOGIES

from . import picker
from .intake import MAX_PHOTOS, PHONE
from .models import Category, Complaint
from .open311 import MAX_DESCRIPTION
from .workflow import ACTION_LABELS, ANSWERS


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets a phone pick several photos."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three files; their content is checked later by decoding."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Tối đa 3 ảnh."))
        return [super(PhotosField, self).clean(f, initial) for f in files]


def category_choices():
    """Active categories as (code, name) pairs in the current language, after an empty "choose" entry."""
    language = get_language() or "vi"
    # Nothing pre-selected: a report filed under a category the citizen never chose goes to the wrong office.
    return [("", _("— Chọn lĩnh vực —")), *((c.code, c.name(language)) for c in Category.objects.filter(active=True))]


NO_PLACE = _("Hãy cho biết nơi xảy ra: chạm vào bản đồ, dùng vị trí của máy, hoặc chọn xã và thôn.")
PLACE_INVALID = _("Vị trí không hợp lệ; hãy chọn lại trên bản đồ hoặc chọn xã và thôn.")


class ReportForm(forms.Form):
    """The citizen's report: place, category, text, photos, optional contact, and a honeypot."""

    category = forms.ChoiceField(
        label=_("Lĩnh vực"), choices=(), error_messages={"required": _("Hãy chọn lĩnh vực của sự việc.")}
    )
    description = forms.CharField(
        label=_("Nội dung phản ánh"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy mô tả sự việc."), "max_length": _("Nội dung tối đa 4.000 ký tự.")},
    )
    lat = forms.FloatField(
        label=_("Vĩ độ"), required=False, widget=forms.HiddenInput, error_messages={"invalid": PLACE_INVALID}
    )
    lon = forms.FloatField(
        label=_("Kinh độ"), required=False, widget=forms.HiddenInput, error_messages={"invalid": PLACE_INVALID}
    )
    commune = forms.TypedChoiceField(label=_("Xã / thị trấn"), coerce=int, required=False, empty_value=None)
    village = forms.TypedChoiceField(label=_("Thôn / tổ dân phố"), coerce=int, required=False, empty_value=None)
    address = forms.CharField(
        label=_("Địa chỉ, đặc điểm nhận biết"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("Địa chỉ tối đa 300 ký tự.")},
    )
    operator = forms.ChoiceField(label=_("Nhà mạng"), choices=[("", "—"), *OPERATORS], required=False)
    technology = forms.ChoiceField(label=_("Công nghệ"), choices=[("", "—"), *TECHNOLOGIES], required=False)
    photos = PhotosField(
        label=_("Ảnh (tối đa 3)"),
        required=False,
        # image/* lets a phone offer its camera as well as the gallery.
        widget=MultipleFileInput(attrs={"accept": "image/*", "class": "fb-file"}),
    )
    reporter_name = forms.CharField(
        label=_("Họ tên"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _("Họ tên tối đa 120 ký tự.")},
    )
    reporter_phone = forms.CharField(
        label=_("Điện thoại"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=_("Email"),
        max_length=200,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Địa chỉ email không hợp lệ, ví dụ: ten@gmail.com.")},
    )
    # Hidden from people by CSS; bots fill every field.
    website = forms.CharField(
        required=False,
        label=_("Để trống ô này"),
        # Kept out of the browser's autofill and the keyboard's tab order, so people never fill it by accident.
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    confirm_new = forms.BooleanField(required=False, label=_("Tôi vẫn muốn gửi phản ánh mới"))
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    # The page's order: the error summary lists the place first, as the form asks for it first.
    field_order = ["lat", "lon", "commune", "village", "address", "category", "operator", "technology"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.communes = picker.communes()
        self.villages = picker.villages()
        self.fields["commune"].choices = [("", "—"), *((c.pk, c.name) for c in self.communes)]
        self.fields["village"].choices = [("", "—"), *((v.pk, v.name) for v in self.villages)]

    def clean_reporter_phone(self):
        """Digits, spaces and + . ( ) - only, 6 to 20 characters."""
        phone = self.cleaned_data["reporter_phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Số điện thoại không hợp lệ, ví dụ: 0905 123 456."))
        return phone

    def clean(self):
        """Every place problem at once, beside the other fields' errors; a chosen village gives the point."""
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if "lat" in self.errors or "lon" in self.errors:
            return data
        if (lat is None) != (lon is None):
            self.add_error("lat", PLACE_INVALID)
            return data
        if lat is None:
            point = picker.point_for(data.get("commune"), data.get("village"))
            if point is not None:
                data["lon"], data["lat"] = point
            elif not (data.get("photos") or data.get("address", "").strip()):
                # A photo's GPS position or a village named in the address may still place it (intake decides).
                self.add_error("commune", NO_PLACE)
        return data


class RespondForm(forms.Form):
    """An officer's step on a complaint: an optional action, a public answer, an internal note."""

    action = forms.ChoiceField(label=_("Đổi trạng thái"), required=False, choices=())
    reason = forms.ChoiceField(
        label=_("Lý do từ chối"), required=False, choices=[("", "—"), *Complaint.REJECTION_CHOICES]
    )
    duplicate_of = forms.CharField(label=_("Mã phản ánh gốc (nếu trùng lặp)"), required=False, max_length=20)
    answer = forms.CharField(
        label=_("Trả lời công khai"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Người phản ánh và mọi người xem được trên trang tra cứu."),
        error_messages={"max_length": _("Trả lời tối đa 4.000 ký tự.")},
    )
    internal = forms.CharField(
        label=_("Ghi chú nội bộ"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Chỉ cán bộ xem được; không bao giờ gửi cho người phản ánh."),
        error_messages={"max_length": _("Ghi chú tối đa 4.000 ký tự.")},
    )

    def __init__(self, *args, actions=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # No action pre-selected: a note typed in a hurry must never change the status by itself.
        self.fields["action"].choices = [
            ("", _("— Giữ nguyên trạng thái —")),
            *((a, ACTION_LABELS[a]) for a in actions),
        ]

    def clean(self):
        """Name each missing piece beside its field (all at once)."""
        data = super().clean()
        action = data.get("action")
        if not (action or data.get("answer", "").strip() or data.get("internal", "").strip()):
            self.add_error(None, _("Chọn một thao tác, hoặc viết trả lời hay ghi chú."))
        if action in ANSWERS and not data.get("answer", "").strip() and "answer" not in self.errors:
            self.add_error("answer", _("Cần trả lời công khai cho người phản ánh."))
        if action == "reject" and not data.get("reason"):
            self.add_error("reason", _("Chọn lý do từ chối: không thuộc thẩm quyền hoặc trùng lặp."))
        if action == "reject" and data.get("reason") == "duplicate" and not data.get("duplicate_of", "").strip():
            self.add_error("duplicate_of", _("Phản ánh trùng lặp cần mã của phản ánh gốc."))
        return data
