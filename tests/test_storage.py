"""Attachment storage: keys, the local and S3 backends, upload checks. No database needed."""

from __future__ import annotations

import io
import re
import sys
import types
from datetime import UTC, datetime

import pytest

from wuye_core.config import ConfigError, Settings
from wuye_core.storage import (
    DEFAULT_MAX_BYTES,
    InvalidKey,
    LocalStorage,
    S3Storage,
    SizeMismatch,
    Storage,
    UploadRejected,
    check_key,
    check_upload,
    clean_filename,
    key_belongs_to,
    new_key,
    sniff,
    storage_from_settings,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100
GIF = b"GIF89a" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"\x00" * 100

BAD_KEYS = [
    "",
    "..",
    "../x",
    "t1/../../etc/passwd",
    "t1/..",
    "/etc/passwd",
    "/t1/x",
    "t1\\x",
    "..\\..\\x",
    "C:/x",
    "t1//x",
    "t1/./x",
    "t1/x/",
    ".hidden",
    "t1/.x.tmp",
    "t1/x\x00y",
    "t1/x y",
    "t1/%2e%2e/x",
    "t1/" + "a" * 300,
]


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- keys --------------------------------------------------------------------------------------


def test_new_key_names_the_tenant_kind_and_month():
    key = new_key(7, "ticket-photo", now=datetime(2026, 3, 9, tzinfo=UTC))
    assert re.fullmatch(r"t7/ticket-photo/2026/03/[0-9a-f]{32}", key)
    assert check_key(key) == key
    assert new_key(7, "ticket-photo") != new_key(7, "ticket-photo")


@pytest.mark.parametrize(("tenant_id", "kind"), [(0, "x"), (-1, "x"), (True, "x"), ("1", "x"),
                                                 (1, ""), (1, "a/b"), (1, ".."), (1, "Photo")])
def test_new_key_refuses_odd_arguments(tenant_id, kind):
    with pytest.raises(ValueError):
        new_key(tenant_id, kind)


def test_key_belongs_to_its_tenant_only():
    key = new_key(1, "ticket-photo")
    assert key_belongs_to(key, 1)
    assert not key_belongs_to(key, 12)
    assert not key_belongs_to(new_key(12, "ticket-photo"), 1)


# --- LocalStorage ------------------------------------------------------------------------------


def test_local_round_trip(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    assert isinstance(storage, Storage)
    key = new_key(1, "ticket-photo")
    assert not storage.exists(key)
    storage.put(key, io.BytesIO(JPEG), "image/jpeg", len(JPEG))  # creates the directories
    assert storage.exists(key)
    with storage.open(key) as f:
        assert f.read() == JPEG
    storage.put(key, io.BytesIO(PNG), "image/png", len(PNG))  # replaces
    with storage.open(key) as f:
        assert f.read() == PNG
    assert _files(storage.root) == [key]
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is fine (retried jobs)
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key.rsplit("/", 1)[0])  # a directory is not an object


def test_local_put_reads_from_the_current_position(tmp_path):
    storage = LocalStorage(tmp_path)
    stream = io.BytesIO(b"skip" + PDF)
    stream.seek(4)
    storage.put("t1/a", stream, "application/pdf", len(PDF))
    assert (tmp_path / "t1" / "a").read_bytes() == PDF


class _Failing(io.RawIOBase):
    """Gives some bytes, then fails like a dropped connection."""

    def __init__(self):
        self.calls = 0

    def readable(self):
        return True

    def read(self, n=-1):
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("client went away")
        return b"x" * 1000


def test_local_failed_write_leaves_nothing(tmp_path):
    storage = LocalStorage(tmp_path)
    key = new_key(1, "ticket-photo")
    with pytest.raises(ConnectionResetError):
        storage.put(key, _Failing(), "image/jpeg", 10_000)
    assert _files(tmp_path) == []
    assert not storage.exists(key)


def test_local_failed_write_keeps_the_previous_object(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("t1/a", io.BytesIO(JPEG), "image/jpeg", len(JPEG))
    with pytest.raises(ConnectionResetError):
        storage.put("t1/a", _Failing(), "image/jpeg", 10_000)
    assert _files(tmp_path) == ["t1/a"]
    assert (tmp_path / "t1" / "a").read_bytes() == JPEG


@pytest.mark.parametrize("size", [len(JPEG) - 1, len(JPEG) + 1])
def test_local_size_mismatch_stores_nothing(tmp_path, size):
    storage = LocalStorage(tmp_path)
    with pytest.raises(SizeMismatch):
        storage.put("t1/a", io.BytesIO(JPEG), "image/jpeg", size)
    assert _files(tmp_path) == []


@pytest.mark.parametrize("key", BAD_KEYS)
def test_local_refuses_keys_that_are_not_ours(tmp_path, key):
    root = tmp_path / "root"
    storage = LocalStorage(root)
    with pytest.raises(InvalidKey):
        storage.put(key, io.BytesIO(JPEG), "image/jpeg", len(JPEG))
    for method in (storage.open, storage.exists, storage.delete):
        with pytest.raises(InvalidKey):
            method(key)
    assert _files(tmp_path) == []


def test_local_refuses_a_symlink_out_of_the_root(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "t1").symlink_to(outside, target_is_directory=True)
    storage = LocalStorage(root)
    with pytest.raises(InvalidKey):
        storage.put("t1/a", io.BytesIO(JPEG), "image/jpeg", len(JPEG))
    assert list(outside.iterdir()) == []


# --- check_upload ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp"),
     (PDF, "application/pdf"), (b"RIFF\x00\x00\x00\x00WAVEfmt ", None), (b"hello", None), (b"", None)],
)
def test_sniff(data, expected):
    assert sniff(data[:12]) == expected


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (JPEG, "image/jpeg", "image/jpeg"),
        (JPEG, "image/jpg", "image/jpeg"),
        (PNG, "IMAGE/PNG; charset=binary", "image/png"),
        (WEBP, "image/webp", "image/webp"),
        (PDF, "application/pdf", "application/pdf"),
        # Saying nothing about the type is not disagreeing with it: the bytes decide.
        (PNG, "application/octet-stream", "image/png"),
        (PDF, None, "application/pdf"),
    ],
)
def test_check_upload_accepts(data, declared, expected):
    stream = io.BytesIO(data)
    assert check_upload("a.bin", declared, stream) == (expected, len(data))
    assert stream.tell() == 0  # ready for Storage.put()


def _reason(excinfo):
    assert excinfo.value.field == "file"
    return excinfo.value.reason


def test_check_upload_refuses_a_png_declared_as_jpeg():
    with pytest.raises(UploadRejected) as excinfo:
        check_upload("photo.jpg", "image/jpeg", io.BytesIO(PNG))
    assert _reason(excinfo) == "The file's content does not match its declared type."


@pytest.mark.parametrize("declared", ["text/plain", "image/jpeg", "application/octet-stream"])
def test_check_upload_refuses_text(declared):
    with pytest.raises(UploadRejected) as excinfo:
        check_upload("photo.jpg", declared, io.BytesIO(b"<script>alert(1)</script>"))
    assert _reason(excinfo) == "This file type is not allowed."


def test_check_upload_refuses_types_not_allowed():
    with pytest.raises(UploadRejected) as excinfo:
        check_upload("a.gif", "image/gif", io.BytesIO(GIF))
    assert _reason(excinfo) == "This file type is not allowed."
    assert check_upload("a.gif", "image/gif", io.BytesIO(GIF), allowed_types={"image/gif"})[0] == "image/gif"
    with pytest.raises(UploadRejected):
        check_upload("a.pdf", "application/pdf", io.BytesIO(PDF), allowed_types={"image/png"})


class _Endless(io.RawIOBase):
    """A JPEG that never ends; counts what was read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return 0

    def seek(self, pos, whence=0):
        return 0

    def read(self, n=-1):
        assert n > 0, "an unbounded read"
        self.read_bytes += n
        return (JPEG * (n // len(JPEG) + 1))[:n]


def test_check_upload_refuses_a_too_large_file_without_reading_it_all():
    stream = _Endless()
    with pytest.raises(UploadRejected) as excinfo:
        check_upload("big.jpg", "image/jpeg", stream, max_bytes=100_000)
    assert _reason(excinfo) == "The file is too large."
    assert stream.read_bytes == 100_001


def test_check_upload_max_bytes_is_inclusive_and_defaults_to_10_mib():
    assert DEFAULT_MAX_BYTES == Settings().upload_max_bytes == 10 * 1024 * 1024
    data = JPEG + b"\x00" * (1000 - len(JPEG))
    assert check_upload("a.jpg", "image/jpeg", io.BytesIO(data), max_bytes=1000) == ("image/jpeg", 1000)
    with pytest.raises(UploadRejected):
        check_upload("a.jpg", "image/jpeg", io.BytesIO(data + b"\x00"), max_bytes=1000)
    big = JPEG + b"\x00" * DEFAULT_MAX_BYTES
    with pytest.raises(UploadRejected):
        check_upload("a.jpg", "image/jpeg", io.BytesIO(big))


def test_check_upload_sniffs_across_short_reads():
    class Trickle(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(n, 3) if n > 0 else 3)

    assert check_upload("a.webp", "image/webp", Trickle(WEBP)) == ("image/webp", len(WEBP))


def test_check_upload_puts_the_stream_back_where_it_was():
    stream = io.BytesIO(b"head" + PNG)
    stream.seek(4)
    assert check_upload("a.png", "image/png", stream, field="photo") == ("image/png", len(PNG))
    assert stream.tell() == 4


@pytest.mark.parametrize(("filename", "data", "reason"), [
    ("", JPEG, "No file was selected."),
    (None, JPEG, "No file was selected."),
    ("a.jpg", b"", "The file is empty."),
])
def test_check_upload_refuses_no_file(filename, data, reason):
    with pytest.raises(UploadRejected) as excinfo:
        check_upload(filename, "image/jpeg", io.BytesIO(data), field="photo")
    assert excinfo.value.field == "photo"
    assert excinfo.value.reason == reason


@pytest.mark.parametrize(("raw", "clean"), [
    ("报修照片.jpg", "报修照片.jpg"),
    ("C:\\fakepath\\a.jpg", "a.jpg"),
    ("../../etc/passwd", "passwd"),
    ("a\x00b\nc.png", "abc.png"),
    ("", "file"),
    ("..", ".."),  # only ever displayed, never a path
    ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ("y" * 300, "y" * 200),
])
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


# --- choosing the backend ----------------------------------------------------------------------


def test_unset_storage_url_is_the_instance_directory(tmp_path):
    storage = storage_from_settings(Settings(), environ={"WUYE_INSTANCE_DIR": str(tmp_path)})
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "uploads"


def test_file_url_is_a_local_directory(tmp_path):
    storage = storage_from_settings(Settings(storage_url=f"file://{tmp_path}/files"))
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "files"


@pytest.mark.parametrize("url", [
    "file://relative/path", "file:relative", "file:///abs?x=1", "http://example.com/x", "ftp://h/x",
    "s3://", "s3://key:secret@bucket/x", "s3://bucket/x?endpoint=https://h&regoin=cn",
    "s3://bucket/x?region=a&region=b", "s3://bucket/../x", "s3://bucket/x?addressing_style=sideways",
])
def test_bad_storage_urls_are_refused(url):
    with pytest.raises(ConfigError):
        storage_from_settings(Settings(storage_url=url))


def test_settings_read_the_storage_variables():
    settings = Settings.from_env({"WUYE_STORAGE_URL": "s3://b", "WUYE_STORAGE_ACCESS_KEY": "ak",
                                  "WUYE_STORAGE_SECRET_KEY": "sk", "WUYE_UPLOAD_MAX_BYTES": "1024"})
    assert settings.storage_url == "s3://b"
    assert (settings.storage_access_key, settings.storage_secret_key) == ("ak", "sk")
    assert settings.upload_max_bytes == 1024


@pytest.fixture
def fake_boto3(monkeypatch):
    """Stands in for boto3 to see what S3Storage asks of it (the real one is optional)."""
    calls = {}
    boto3 = types.ModuleType("boto3")
    boto3.client = lambda service, **kwargs: calls.update(service=service, **kwargs) or object()
    botocore = types.ModuleType("botocore")
    config = types.ModuleType("botocore.config")
    config.Config = lambda **kwargs: kwargs
    botocore.config = config
    monkeypatch.setitem(sys.modules, "boto3", boto3)
    monkeypatch.setitem(sys.modules, "botocore", botocore)
    monkeypatch.setitem(sys.modules, "botocore.config", config)
    return calls


def test_s3_url_is_an_s3_storage(fake_boto3):
    settings = Settings(
        storage_url="s3://wuye-files/prod/uploads/?endpoint=https://oss-cn-wuhan-lr.aliyuncs.com"
        "&region=cn-wuhan-lr&addressing_style=virtual",
        storage_access_key="ak", storage_secret_key="sk",
    )
    storage = storage_from_settings(settings)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix, storage.region) == ("wuye-files", "prod/uploads", "cn-wuhan-lr")
    assert fake_boto3["service"] == "s3"
    assert fake_boto3["endpoint_url"] == "https://oss-cn-wuhan-lr.aliyuncs.com"
    assert (fake_boto3["aws_access_key_id"], fake_boto3["aws_secret_access_key"]) == ("ak", "sk")
    assert fake_boto3["region_name"] == "cn-wuhan-lr"
    assert fake_boto3["config"]["s3"] == {"addressing_style": "virtual"}
    assert fake_boto3["config"]["request_checksum_calculation"] == "when_required"
    assert storage._name("t1/a") == "prod/uploads/t1/a"


def test_s3_url_defaults(fake_boto3):
    storage = storage_from_settings(Settings(storage_url="s3://bucket"))
    assert (storage.bucket, storage.prefix, storage.endpoint_url) == ("bucket", "", None)
    # No keys: boto3's own chain (AWS_* variables, instance or pod roles) applies.
    assert fake_boto3["aws_access_key_id"] is None
    assert fake_boto3["config"]["s3"] == {"addressing_style": "auto"}
    assert storage._name("t1/a") == "t1/a"
    with pytest.raises(InvalidKey):
        storage._name("../t2/a")


def test_s3_without_boto3_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed: `import boto3` fails
    with pytest.raises(ConfigError, match=r"wuye\[s3\]"):
        storage_from_settings(Settings(storage_url="s3://bucket"))


# --- S3Storage against moto (a test dependency: boto3's own calls, answered in-process) -----------


@pytest.fixture
def s3(monkeypatch):
    import boto3
    from moto import mock_aws

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="wuye")
        yield S3Storage("wuye", access_key="testing", secret_key="testing", region="us-east-1", prefix="p/")


def test_s3_round_trip(s3):
    key = new_key(1, "ticket-photo")
    assert not s3.exists(key)
    s3.put(key, io.BytesIO(JPEG), "image/jpeg", len(JPEG))
    assert s3.exists(key)
    with s3.open(key) as f:
        assert f.read() == JPEG
    head = s3.client.head_object(Bucket="wuye", Key=f"p/{key}")
    assert (head["ContentType"], head["ContentLength"]) == ("image/jpeg", len(JPEG))
    s3.delete(key)
    s3.delete(key)
    assert not s3.exists(key)
    with pytest.raises(FileNotFoundError):
        s3.open(key)


def test_s3_size_mismatch_stores_nothing(s3):
    with pytest.raises(SizeMismatch):
        s3.put("t1/a", io.BytesIO(JPEG), "image/jpeg", len(JPEG) + 1)
    assert not s3.exists("t1/a")


@pytest.mark.parametrize("key", ["../x", "/t1/x", "t1\\x"])
def test_s3_refuses_keys_that_are_not_ours(s3, key):
    with pytest.raises(InvalidKey):
        s3.put(key, io.BytesIO(JPEG), "image/jpeg", len(JPEG))
    with pytest.raises(InvalidKey):
        s3.exists(key)


# --- Office documents (disclosures): a ZIP, told apart by the part its directory names ------------


def _zip(*parts: str) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize("declared", ["", "application/zip", "application/vnd.ms-excel", "application/wps-office.xlsx",
                                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
def test_an_xlsx_is_read_from_its_zip_directory_whatever_a_client_declares(declared):
    from wuye_core.storage import DOCUMENT_TYPES
    from wuye_core.storage.uploads import XLSX

    book = _zip("[Content_Types].xml", "xl/workbook.xml")
    stream = io.BytesIO(book)
    assert check_upload("表.xlsx", declared, stream, allowed_types=DOCUMENT_TYPES) == (XLSX, len(book))
    assert stream.tell() == 0  # put back for Storage.put()


def test_a_zip_that_is_no_office_file_and_office_files_where_not_allowed_are_refused():
    from wuye_core.storage import DOCUMENT_TYPES

    for data in (_zip("[Content_Types].xml", "other/part.xml"), _zip("xl/workbook.xml"), b"PK\x03\x04 broken"):
        with pytest.raises(UploadRejected, match="not allowed"):
            check_upload("a.xlsx", "application/zip", io.BytesIO(data), allowed_types=DOCUMENT_TYPES)
    with pytest.raises(UploadRejected, match="not allowed"):  # a ticket's photos: no Office files
        check_upload("a.docx", "", io.BytesIO(_zip("[Content_Types].xml", "word/document.xml")))
    with pytest.raises(UploadRejected, match="does not match"):  # a Word file declared as a workbook
        check_upload("a.xlsx", "application/vnd.ms-excel", io.BytesIO(_zip("[Content_Types].xml", "word/document.xml")),
                     allowed_types=DOCUMENT_TYPES)
