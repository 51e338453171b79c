#!/usr/bin/env python3
"""Renders every golden HTML report (tests/golden/report/report.*.html) in headless
Chromium, at phone width and at A4 width, and checks that

  * the screenshot is not blank: the PNG is decoded here (zlib, no PIL) and its
    luminance must vary (standard deviation) and cover a share of non-white pixels;
  * the DOM Chromium built has exactly 3 charts (<svg class="chart">) and every section.

Fails (exit 1) when Chromium is missing: install it with scripts/bootstrap.sh
(Debian package `chromium`). Usage: check_html_in_chromium.py GOLDEN_DIR
"""
import glob, os, shutil, struct, subprocess, sys, tempfile, zlib

CHARTS = 3
SECTIONS = ["headline", "daily", "articles", "rules", "users", "transfers", "incidents", "health", "rules-changed"]
SIZES = [(390, 1600), (794, 1123)]  # a phone; A4 at 96 dpi


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("FAIL: headless Chromium not found; install the Debian package `chromium` (scripts/bootstrap.sh)")


def run(browser, profile, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--user-data-dir=" + profile, *args]
    return subprocess.run(cmd, capture_output=True, timeout=120, text=True)


def decode_png(path):
    """Returns (width, height, channels, rows of bytes) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or colour not in (2, 6):
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def luminance_stats(path):
    width, height, channels, rows = decode_png(path)
    n = total = total_sq = inked = 0
    for line in rows[::2]:  # every other row and pixel is plenty
        for x in range(0, width, 2):
            r, g, b = line[x * channels:x * channels + 3]
            lum = (299 * r + 587 * g + 114 * b) // 1000
            n += 1
            total += lum
            total_sq += lum * lum
            inked += lum < 200
    mean = total / n
    return (total_sq / n - mean * mean) ** 0.5, inked / n


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    browser = chromium()
    pages = sorted(glob.glob(os.path.join(sys.argv[1], "report.*.html")))
    if len(pages) != 3:
        sys.exit(f"FAIL: expected 3 golden HTML reports in {sys.argv[1]}, found {len(pages)}")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            url = "file://" + os.path.abspath(page)
            dom = run(browser, os.path.join(tmp, "profile-dom"), "--dump-dom", url)
            charts = dom.stdout.count('<svg class="chart"')
            if dom.returncode != 0 or charts != CHARTS:
                failures.append(f"{page}: {charts} charts in Chromium's DOM, expected {CHARTS} "
                                f"(exit {dom.returncode}: {dom.stderr.strip()[-300:]})")
            for section in SECTIONS:
                if f'<section id="{section}">' not in dom.stdout:
                    failures.append(f"{page}: section #{section} missing from the DOM")
            for width, height in SIZES:
                png = os.path.join(tmp, f"shot-{width}.png")
                shot = run(browser, os.path.join(tmp, f"profile-{width}"), f"--screenshot={png}",
                           f"--window-size={width},{height}", url)
                if shot.returncode != 0 or not os.path.exists(png):
                    failures.append(f"{page}: no screenshot at {width}x{height} (exit {shot.returncode}: "
                                    f"{shot.stderr.strip()[-300:]})")
                    continue
                sigma, inked = luminance_stats(png)
                print(f"{os.path.basename(page)} {width}x{height}: luminance sd {sigma:.1f}, inked {inked:.1%}")
                if sigma < 15 or inked < 0.02:
                    failures.append(f"{page}: screenshot at {width}x{height} looks blank "
                                    f"(luminance sd {sigma:.1f}, {inked:.1%} inked)")
                os.remove(png)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
