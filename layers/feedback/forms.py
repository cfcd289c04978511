"""Forms of the public report page and of the officers' actions."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from layers.telecom.models import OPERATORS, TECHNOLOGIES

from .intake import MAX_PHOTOS
from .models import Category, Complaint
from .open311 import MAX_DESCRIPTION


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
    """Active categories as (code, name) pairs in the current language (Vietnamese by default)."""
    language = get_language() or "vi"
    return [(c.code, c.name(language)) for c in Category.objects.filter(active=True)]


class ReportForm(forms.Form):
    """The citizen's report: place, category, text, photos, optional contact, and a honeypot."""

    category = forms.ChoiceField(label=_("Lĩnh vực"), choices=())
    description = forms.CharField(label=_("Nội dung phản ánh"), max_length=MAX_DESCRIPTION, widget=forms.Textarea)
    lat = forms.FloatField(label=_("Vĩ độ"), required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(label=_("Kinh độ"), required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Địa chỉ / thôn"), max_length=300, required=False)
    operator = forms.ChoiceField(label=_("Nhà mạng"), choices=[("", "—"), *OPERATORS], required=False)
    technology = forms.ChoiceField(label=_("Công nghệ"), choices=[("", "—"), *TECHNOLOGIES], required=False)
    photos = PhotosField(label=_("Ảnh (tối đa 3)"), required=False)
    reporter_name = forms.CharField(label=_("Họ tên (không công khai)"), max_length=120, required=False)
    reporter_phone = forms.CharField(label=_("Điện thoại (không công khai)"), max_length=40, required=False)
    reporter_email = forms.EmailField(label=_("Email (không công khai)"), max_length=200, required=False)
    # Hidden from people by CSS; bots fill every field.
    website = forms.CharField(
        required=False,
        label=_("Để trống ô này"),
        # Kept out of the browser's autofill and the keyboard's tab order, so people never fill it by accident.
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    confirm_new = forms.BooleanField(required=False, label=_("Tôi vẫn muốn gửi phản ánh mới"))
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()


class ActionForm(forms.Form):
    """One workflow step on a complaint, with its note."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("acknowledge", "start", "resolve", "reject", "close", "reopen")]
    )
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(required=False, initial=True)
    reason = forms.ChoiceField(required=False, choices=[("", "—"), *Complaint.REJECTION_CHOICES])
    duplicate_of = forms.CharField(required=False, max_length=20)


class NoteForm(forms.Form):
    """A note without a status change."""

    note = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(required=False)
