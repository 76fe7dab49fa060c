"""Where uploaded files wait for their run: VAR_DIR/imports/<workspace>/<sha256>-<name>."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from django.conf import settings


def imports_dir(workspace_id: int) -> Path:
    path = Path(settings.VAR_DIR) / "imports" / str(workspace_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(workspace_id: int, name: str, source: BinaryIO) -> tuple[str, str]:
    """(path, sha256) of a copy of ``source``; streamed, never read whole."""
    safe = re.sub(r"[^\w.\-]+", "_", Path(name).name)[-120:] or "upload"
    digest = hashlib.sha256()
    tmp = imports_dir(workspace_id) / f".upload-{id(source)}-{safe}"
    with tmp.open("wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    final = tmp.with_name(f"{digest.hexdigest()[:16]}-{safe}")
    shutil.move(tmp, final)
    return str(final), digest.hexdigest()
