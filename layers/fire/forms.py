"""The ranger's step forms: a note for each step, and the findings of a verification."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import workflow


class StepForm(forms.Form):
    """Acknowledge, dispatch or close: an optional note."""

    # Labels end without a colon; the template marks the optional fields in words.
    label_suffix = ""

    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VerifyForm(StepForm):
    """What the ranger found on the ground: verdict, cause, burned area, a photo."""

    field_order = ["verdict", "cause", "burned_area_ha", "photo", "note"]

    verdict = forms.ChoiceField(
        label=_("Kết luận"),
        choices=workflow.VERDICT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn “Cháy thật” hoặc “Báo động giả”.")},
    )
    cause = forms.CharField(label=_("Nguyên nhân"), required=False, max_length=200)
    # localize: a ranger in Vietnamese mode types "1,5" for one and a half hectares.
    burned_area_ha = forms.DecimalField(
        label=_("Diện tích cháy (ha)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1_000_000),
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": _("Nhập một số héc-ta, ví dụ 1,5."),
            "min_value": _("Diện tích không thể âm."),
            "max_value": _("Diện tích tối đa là 1.000.000 ha."),
            "max_digits": _("Số quá dài."),
            "max_decimal_places": _("Chỉ cần tối đa 2 chữ số thập phân."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    photo = forms.FileField(
        label=_("Ảnh hiện trường"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def form_for(action: str):
    """The form class of a workflow step."""
    return VerifyForm if action == "verify" else StepForm
