"""Reading model files from disk for a deploy (kept apart so tests and the CLI share it)."""
from __future__ import annotations

from pathlib import Path

from .errors import InvalidInputError

MODEL_SUFFIXES = (".bpmn", ".dmn", ".json")


def collect_files(paths: list[str | Path]) -> dict[str, bytes]:
    """Files and folders (recursively) to {folder/relative name: bytes}; only .bpmn, .dmn and .json."""
    files: dict[str, bytes] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.suffix.lower() in MODEL_SUFFIXES:
                    files[f"{path.name}/{f.relative_to(path).as_posix()}"] = f.read_bytes()
        elif path.is_file():
            files[path.name] = path.read_bytes()
        else:
            raise InvalidInputError(f"找不到文件或目录: {path}")
    return files
