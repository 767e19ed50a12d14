"""Uploaded files, handled so that nothing a client sends can steer GDAL.

The server opens only files it wrote itself, in a private folder it made for this one
import, under names it chose (``upload.gpkg``, ``layer.shp``); the extension follows from
the *content* (magic bytes), never from the client's file name. A client string never
becomes a path: no ``/vsi…``, no URL, no ``.vrt``. Zips are checked entry by entry
(traversal, links, nesting, count, total size, compression ratio) before a byte is
unpacked, and unpacking counts the bytes it really writes. Every refusal is an
:class:`UploadRejected` (a 4xx that says why); the folder is removed afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from gisapp.errors import GisappError
from gisapp.messages import N_, Message
from gisapp.settings import ImportSettings

MB = 1024 * 1024
CHUNK = MB
SNIFF_BYTES = 64 * 1024
SHAPE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# the extension GDAL gets, chosen by us from the detected format
EXTENSIONS = {"gpkg": ".gpkg", "geojson": ".geojson", "osm_pbf": ".osm.pbf", "osm_xml": ".osm",
              "csv": ".csv", "json": ".json", "zip": ".zip"}


class UploadRejected(GisappError):
    """The file is refused before anything is read into the inventory."""

    status_code = 422
    code = "upload_rejected"

    def __init__(self, message: str | Message, *, field: str = "file", **kw):
        super().__init__(message, field=field, **kw)


class UploadTooLarge(UploadRejected):
    status_code = 413
    code = "upload_too_large"


class UnsupportedFormat(UploadRejected):
    status_code = 415
    code = "unsupported_format"


@contextmanager
def workspace(limits: ImportSettings) -> Iterator[Path]:
    """A private folder (mode 700) for one import, removed with everything in it."""
    root = limits.temp_dir
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="gisapp-import-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Sink:
    """Writes an upload's chunks to ``folder/upload.bin``, refusing past the size limit."""

    def __init__(self, folder: Path, limits: ImportSettings):
        self.path = folder / "upload.bin"
        self.limit = int(limits.max_upload_mb * MB)
        self.size = 0
        self._file = open(self.path, "xb")  # noqa: SIM115 - closed in close()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.close()
            raise UploadTooLarge(Message(N_("the file is larger than %(num)s MB"),
                                         num=self.limit // MB))
        self._file.write(chunk)

    def close(self) -> Path:
        self._file.close()
        return self.path


def save_bytes(folder: Path, data: bytes, limits: ImportSettings) -> Path:
    """Bytes already in memory (e.g. a stored upload) as the workspace's upload."""
    sink = Sink(folder, limits)
    for start in range(0, len(data), CHUNK):
        sink.write(data[start:start + CHUNK])
    return sink.close()


def copy_file(folder: Path, source: Path, limits: ImportSettings) -> Path:
    """A local file (the CLI) copied into the workspace, so GDAL opens only our copy."""
    sink = Sink(folder, limits)
    with open(source, "rb") as f:
        while chunk := f.read(CHUNK):
            sink.write(chunk)
    return sink.close()


_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def sniff(path: Path) -> str:
    """The format by content: zip, gpkg, osm_pbf, osm_xml, json or csv; else a refusal."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head:
        raise UploadRejected(Message(N_("the file is empty")))
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise UploadRejected(Message(N_("the zip archive is empty or split")))
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] in (b"GPKG", b"GP10", b"GP11"):
            return "gpkg"
        raise UnsupportedFormat(Message(N_("an SQLite database that is not a GeoPackage")))
    if len(head) > 8 and int.from_bytes(head[:4], "big") < 64 * 1024 \
            and b"OSMHeader" in head[4:4 + int.from_bytes(head[:4], "big")]:
        return "osm_pbf"
    # Text formats never hold a NUL byte; checked before the first-character tests so that
    # binary content which happens to start with "{" or "<" is named as binary, not as
    # broken JSON or XML.
    if b"\x00" in head:
        raise UnsupportedFormat(Message(N_("unknown binary content (accepted: GeoJSON, "
                                           "GeoPackage, zipped Shapefile, CSV, OpenStreetMap "
                                           ".osm/.osm.pbf, meshviewer JSON)")))
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return _sniff_xml(text)
    if text.startswith((b"{", b"[")):
        return "json"
    first_line = text.split(b"\n", 1)[0]
    if any(sep in first_line for sep in (b";", b",", b"\t")):
        return "csv"
    raise UnsupportedFormat(Message(N_("cannot tell the format from the content")))


def _sniff_xml(text: bytes) -> str:
    """OSM XML only; no DTD (entity expansion: billion laughs), no VRT, KML or GML."""
    if b"<!DOCTYPE" in text.upper() or b"<!ENTITY" in text.upper():
        raise UploadRejected(Message(N_("XML with a document type declaration (DTD/entities) is "
                                        "refused")))
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", text, flags=re.S)
    match = _XML_ROOT.search(body)
    root = match.group(1).decode("ascii", "replace").split(":")[-1] if match else ""
    if root == "osm":
        return "osm_xml"
    if root.startswith("OGRVRT"):
        raise UnsupportedFormat(Message(N_("GDAL virtual datasets (VRT) are not accepted")))
    if root in ("kml", "FeatureCollection", "GML", "gml") or b"opengis.net/gml" in text:
        raise UnsupportedFormat(Message(N_("XML of type %(root)s (KML/GML) is not an accepted "
                                           "format"),
                                        root=repr(root)))
    raise UnsupportedFormat(Message(N_("XML with root element %(root)s is not an accepted format"),
                                    root=repr(root)))


def place(path: Path, fmt: str) -> Path:
    """Give the upload the extension of its detected format (chosen here, not by the client)."""
    target = path.with_name("upload" + EXTENSIONS[fmt])
    path.rename(target)
    return target


def _entry_problem(info: zipfile.ZipInfo, limits: ImportSettings) -> Message | None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or re.match(r"^[A-Za-z]:", name):
        return Message(N_("entry %(name)s points outside the archive (path traversal)"),
                       name=repr(name))
    if stat.S_ISLNK(info.external_attr >> 16):
        return Message(N_("entry %(name)s is a symbolic link"), name=repr(name))
    if info.flag_bits & 0x1:
        return Message(N_("entry %(name)s is encrypted"), name=repr(name))
    if name.lower().endswith((".zip", ".gz", ".7z", ".rar", ".tar")):
        return Message(N_("entry %(name)s is an archive inside the archive (nested archives are "
                          "refused)"), name=repr(name))
    if info.file_size > 1024 * 1024 and info.file_size / max(info.compress_size, 1) > limits.max_zip_ratio:
        return Message(N_("entry %(name)s expands %(ratio)s times (more than %(num)s: a zip "
                          "bomb?)"), name=repr(name),
                       ratio=f"{info.file_size / max(info.compress_size, 1):.0f}",
                       num=f"{limits.max_zip_ratio:g}")
    return None


def unpack_shapefile(path: Path, limits: ImportSettings) -> Path:
    """The Shapefile in a zip, unpacked as ``layer.shp/.shx/.dbf/.prj/.cpg`` next to it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRejected(Message(N_("not a readable zip archive: %(detail)s"), detail=str(exc)))
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_zip_entries:
            raise UploadRejected(Message(N_("the zip has %(count)s files; at most %(num)s are "
                                            "accepted"), count=len(infos),
                                         num=limits.max_zip_entries))
        total_limit = int(limits.max_unzipped_mb * MB)
        if sum(i.file_size for i in infos) > total_limit:
            raise UploadTooLarge(Message(N_("the zip's contents are larger than %(num)s MB"),
                                         num=f"{limits.max_unzipped_mb:g}"))
        for info in infos:
            if problem := _entry_problem(info, limits):
                raise UploadRejected(problem)
        parts = _shapefile_parts(infos)
        written = 0
        for ext, info in parts.items():
            written += _extract(archive, info, path.parent / f"layer{ext}", total_limit - written)
    _check_shapefile_magic(path.parent)
    return path.parent / "layer.shp"


def _shapefile_parts(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """One Shapefile's parts by extension; .shp, .shx and .dbf are required."""
    useful = [i for i in infos if not i.filename.startswith("__MACOSX/")]
    shps = [i for i in useful if i.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise UploadRejected(Message(N_("the zip must contain exactly one Shapefile (.shp); it "
                                        "contains %(count)s"), count=len(shps)))
    stem = shps[0].filename[:-4]
    parts = {}
    for info in useful:
        base, ext = os.path.splitext(info.filename)
        if base == stem and ext.lower() in SHAPE_PARTS:
            parts[ext.lower()] = info
    for required in (".shx", ".dbf"):
        if required not in parts:
            raise UploadRejected(Message(N_("the Shapefile's %(part)s file is missing from the "
                                            "zip"),
                                         part=required))
    return parts


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one entry, counting real bytes (the sizes in a zip's directory can lie)."""
    size = 0
    with archive.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(CHUNK):
            size += len(chunk)
            if size > info.file_size or size > budget:
                raise UploadTooLarge(Message(
                    N_("entry %(name)s unpacks to more than it declares or than the limit allows"),
                    name=repr(info.filename)))
            if size == len(chunk) and chunk.startswith(b"PK\x03\x04"):
                raise UploadRejected(Message(
                    N_("entry %(name)s is a zip archive (nested archives are refused)"),
                    name=repr(info.filename)))
            dst.write(chunk)
    return size


def _check_shapefile_magic(folder: Path) -> None:
    """.shp and .shx start with the file code 9994, .dbf with a dBASE version byte."""
    for ext in (".shp", ".shx"):
        with open(folder / f"layer{ext}", "rb") as f:
            if f.read(4) != (9994).to_bytes(4, "big"):
                raise UploadRejected(Message(N_("the %(part)s file is not a Shapefile part"),
                                             part=ext))
    with open(folder / "layer.dbf", "rb") as f:
        if f.read(1) not in (b"\x02", b"\x03", b"\x04", b"\x05", b"\x30", b"\x31", b"\x83", b"\x8b",
                             b"\xf5"):
            raise UploadRejected(Message(N_("the .dbf file is not a dBASE table")))
