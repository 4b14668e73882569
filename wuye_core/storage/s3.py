"""Objects in an S3-compatible store: AWS S3, MinIO, Aliyun OSS (S3 API), and the like.

boto3 is an optional dependency (`pip install 'wuye[s3]'`), imported only when S3 is configured.
"""

from __future__ import annotations

from typing import BinaryIO

from ..config import ConfigError
from .base import CountingReader, SizeMismatch
from .keys import InvalidKey, check_key

ADDRESSING_STYLES = ("auto", "path", "virtual")


def _client(endpoint_url, access_key, secret_key, region, addressing_style):
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise ConfigError(
            "S3 存储需要 boto3：pip install 'wuye[s3]' / S3 storage needs boto3: pip install 'wuye[s3]'"
        ) from exc
    config = Config(
        s3={"addressing_style": addressing_style},
        # boto3 1.36+ sends CRC checksums by default, which many S3-compatible stores
        # (older MinIO, Aliyun OSS, Ceph) reject: only send them when an operation requires it.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard"},
    )
    # Without keys, boto3's own chain applies (AWS_* variables, instance or pod roles).
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=config,
    )


def _is_not_found(exc) -> bool:
    error = getattr(exc, "response", {}).get("Error", {})
    return error.get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        prefix: str = "",
        *,
        addressing_style: str = "auto",
        client=None,
    ):
        if not bucket:
            raise ConfigError("S3 存储未指定 bucket / S3 storage needs a bucket")
        if addressing_style not in ADDRESSING_STYLES:
            raise ConfigError(f"addressing style must be one of {ADDRESSING_STYLES}: {addressing_style!r}")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/")
        if self.prefix:
            try:
                check_key(self.prefix)  # the same rules as keys: no `..` or odd characters
            except InvalidKey as exc:
                raise ConfigError(f"S3 前缀无效 / invalid S3 prefix: {prefix!r}") from exc
        self.addressing_style = addressing_style
        # Built now, not on first upload: a missing boto3 stops the app at start-up.
        if client is None:
            client = _client(endpoint_url, access_key, secret_key, region, addressing_style)
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage({self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, stream: BinaryIO, content_type: str, size: int) -> None:
        name = self._name(key)
        reader = CountingReader(stream)
        # S3 writes are atomic already: an object appears whole or not at all.
        self.client.upload_fileobj(reader, self.bucket, name, ExtraArgs={"ContentType": content_type})
        if reader.count != size:
            self.client.delete_object(Bucket=self.bucket, Key=name)
            raise SizeMismatch(f"expected {size} bytes, read {reader.count}")

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as exc:
            if _is_not_found(exc):
                raise FileNotFoundError(key) from exc
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _is_not_found(exc):
                return False
            raise
        return True
