"""公民身份号码 and 联系电话 leave the table in clear: each is encrypted (SM4-GCM) with a blind index
(HMAC-SM3) and a masked copy; 家庭住址 is added, encrypted only. Existing rows are encrypted in batches,
then the clear columns are dropped. Reversible: going back decrypts into the clear columns."""

from django.db import migrations, models

from zugong.core import crypto, idnumber

BATCH = 2000
ID_CONTEXT = "people.person.id_number"
PHONE_CONTEXT = "people.person.phone"


def encrypt_rows(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    id_cipher, phone_cipher = crypto.ColumnCipher(ID_CONTEXT), crypto.ColumnCipher(PHONE_CONTEXT)
    fields = ["id_number_enc", "id_number_hash", "id_number_masked", "id_tail", "phone_enc", "phone_hash",
              "phone_masked"]  # fmt: skip
    batch = []
    for person in Person.objects.only("pk", "id_number", "phone").order_by("pk").iterator(chunk_size=BATCH):
        number, phone = idnumber.normalize(person.id_number), (person.phone or "").replace(" ", "")
        person.id_number_enc = id_cipher.encrypt(number)
        person.id_number_hash = id_cipher.blind_index(number)
        person.id_number_masked, person.id_tail = idnumber.mask(number), number[-4:]
        person.phone_enc, person.phone_hash = phone_cipher.encrypt(phone), phone_cipher.blind_index(phone)
        person.phone_masked = idnumber.mask_phone(phone)
        batch.append(person)
        if len(batch) >= BATCH:
            Person.objects.bulk_update(batch, fields)
            batch = []
    Person.objects.bulk_update(batch, fields)


def decrypt_rows(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    batch = []
    rows = Person.objects.only("pk", "id_number_enc", "phone_enc").order_by("pk").iterator(chunk_size=BATCH)
    for person in rows:
        person.id_number = crypto.decrypt(person.id_number_enc, context=ID_CONTEXT)
        person.phone = crypto.decrypt(person.phone_enc, context=PHONE_CONTEXT)
        batch.append(person)
        if len(batch) >= BATCH:
            Person.objects.bulk_update(batch, ["id_number", "phone"])
            batch = []
    Person.objects.bulk_update(batch, ["id_number", "phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_person_denormalized_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_enc",
            field=models.TextField(default="", editable=False, verbose_name="公民身份号码（密文）"),
        ),
        migrations.AddField(
            model_name="person",
            name="id_number_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="公民身份号码（索引）"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="id_number_masked",
            field=models.CharField(default="", editable=False, max_length=18, verbose_name="公民身份号码"),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_enc",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_hash",
            field=models.CharField(
                blank=True, db_index=True, default="", editable=False, max_length=64, verbose_name="联系电话（索引）"
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_masked",
            field=models.CharField(blank=True, default="", editable=False, max_length=20, verbose_name="联系电话"),
        ),
        migrations.AddField(
            model_name="person",
            name="home_address_enc",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="家庭住址（密文）"),
        ),
        # A default on the clear columns, so that going back can re-add them to a filled table.
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=models.CharField(default="", max_length=18, verbose_name="公民身份号码"),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.RemoveField(model_name="person", name="id_number"),
        migrations.RemoveField(model_name="person", name="phone"),
        migrations.AlterField(
            model_name="person",
            name="id_number_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="公民身份号码（索引）"),
        ),
    ]
