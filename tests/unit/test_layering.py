"""engine/ is framework-free: importing every engine module loads neither Flask nor Celery."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_neither_flask_nor_celery():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                     for p in (ROOT / "engine").rglob("*.py")
                     if "migrations" not in p.parts and p.name != "__init__.py")
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'celery'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(modules) > 20
    assert out.stdout.strip() == ""


def test_no_engine_source_mentions_flask_or_celery_imports():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import flask" not in text and "from flask" not in text, path
        assert "import celery" not in text and "from celery" not in text, path
