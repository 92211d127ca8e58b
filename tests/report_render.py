"""Render a report the way a reader's office suite does: LibreOffice converts it to PDF, pdftoppm turns the
pages into PNG. LibreOffice finds fonts through fontconfig; it is given the project's Noto Sans CJK file
(the one the report names in its East-Asian slots) and nothing is installed system-wide."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from analysis.paths import cjk_font

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")
PDFFONTS = shutil.which("pdffonts")
MISSING = ("LibreOffice 渲染检查已跳过：没有 soffice 或 pdftoppm（Debian: apt-get install libreoffice-impress "
           "libreoffice-writer poppler-utils；.ci/run 会自动安装）")


def available() -> bool:
    return bool(SOFFICE and PDFTOPPM)


def _env(work: Path) -> dict:
    conf = work / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{cjk_font().parent}</dir>\n  <cachedir>{work / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8")
    # a profile of its own: a second LibreOffice on the machine must not share (or lock) it
    return dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(work / "home"))


def to_pdf(document: Path, work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{work / 'profile'}",
                          "--convert-to", "pdf", "--outdir", str(work), str(document)],
                         capture_output=True, text=True, timeout=240, env=_env(work))
    pdf = work / (document.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice 没有生成 PDF：{out.stdout}{out.stderr}"
    return pdf


def to_png(pdf: Path, work: Path, dpi: int = 90) -> list[Path]:
    prefix = work / pdf.stem
    subprocess.run([PDFTOPPM, "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(work.glob(f"{pdf.stem}-*.png"))


def fonts_of(pdf: Path) -> str:
    """``pdffonts`` output: which fonts the PDF embeds (empty when the tool is missing)."""
    if not PDFFONTS:
        return ""
    return subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, timeout=60).stdout


def ink(png: Path) -> float:
    """Share of pixels that are not (near) white: a blank page is about 0."""
    from PIL import Image

    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / (image.width * image.height)
