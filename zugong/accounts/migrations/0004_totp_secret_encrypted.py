from django.db import migrations, models

CONTEXT = "accounts.totpdevice.secret"


def encrypt_secrets(apps, schema_editor):
    from zugong.core import crypto

    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.all():
        device.secret_enc = crypto.encrypt(device.secret, context=CONTEXT)
        device.save(update_fields=["secret_enc"])


def decrypt_secrets(apps, schema_editor):
    from zugong.core import crypto

    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.all():
        device.secret = crypto.decrypt(device.secret_enc, context=CONTEXT)
        device.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_login_security")]

    operations = [
        migrations.AddField(
            model_name="totpdevice",
            name="secret_enc",
            field=models.CharField(default="", max_length=200, verbose_name="密钥（密文）"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="totpdevice",
            name="secret",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="密钥"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="totpdevice", name="secret"),
    ]
