from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="名册文件（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )
    dry_run = forms.BooleanField(
        label="仅预览（校验并模拟导入，不写入）",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
