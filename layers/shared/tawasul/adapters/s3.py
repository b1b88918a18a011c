"""The attachments bucket: presigned uploads and downloads, and the validator's object moves."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client
from tawasul.ports import UploadForm

_MISSING = {"404", "NoSuchKey", "NotFound"}
_MAX_VERSIONS = 5  # re-uploads to one presigned key within its few minutes of validity


def content_disposition(filename: str) -> str:
    """Always a download (never rendered inline by the browser), with the name in UTF-8 (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class S3FileStore:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self._bucket = bucket
        self._client = s3

    @property
    def s3(self) -> Any:
        if self._client is None:
            self._client = client("s3")
        return self._client

    def presign_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadForm:
        """The policy pins the key (boto3 adds it), the exact content type and the size range."""
        post = self.s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return UploadForm(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()})

    def presign_download(self, key: str, filename: str, content_type: str, expires_in: int) -> str:
        return str(
            self.s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition(filename),
                    "ResponseContentType": content_type,
                },
                ExpiresIn=expires_in,
            )
        )

    def size(self, key: str) -> int | None:
        try:
            head = self.s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    def read(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self._bucket, Key=key)["Body"].read())

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def copy(self, source: str, target: str) -> None:
        self.s3.copy_object(
            Bucket=self._bucket, Key=target, CopySource={"Bucket": self._bucket, "Key": source}
        )

    def delete(self, key: str) -> None:
        """Erase every version of the key: on a versioned bucket a plain delete only hides the
        object behind a delete marker, and the raw upload (GPS included) would stay for the
        noncurrent-version lifetime. Deleting the current version by id makes the one before it
        current, until none is left (a key is one upload, so this is one or two rounds)."""
        for _ in range(_MAX_VERSIONS):
            try:
                head = self.s3.head_object(Bucket=self._bucket, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    return
                raise
            version = head.get("VersionId")
            if not version or version == "null":
                self.s3.delete_object(Bucket=self._bucket, Key=key)
                return
            self.s3.delete_object(Bucket=self._bucket, Key=key, VersionId=version)
