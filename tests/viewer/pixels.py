"""What the viewer's pixel tests share: a tally of checks, PNG reading, pixel access, colour
comparison and the viewer's promised colours (viewer/app.h)."""
import json
import subprocess
import sys
from pathlib import Path

WORKING, STARVED, BLOCKED, DOWN = (46, 160, 67), (230, 190, 40), (60, 110, 220), (210, 50, 50)
OFF, SETUP, UNKNOWN = (120, 120, 120), (235, 120, 30), (72, 60, 96)
BUFFER_FILL, BUFFER_EMPTY = (100, 180, 230), (40, 44, 52)

_tally = {"checks": 0, "failures": 0}


def check(ok, what):
    _tally["checks"] += 1
    if ok:
        print(f"ok   {what}")
    else:
        _tally["failures"] += 1
        print(f"FAIL {what}")


def finish():
    """Prints the tally and exits 1 when a check failed."""
    print(f"{_tally['checks'] - _tally['failures']} passed, {_tally['failures']} failed")
    sys.exit(1 if _tally["failures"] else 0)


def read_png(path):
    """Decodes an 8-bit RGBA PNG (any row filter) into rows that each start with a 0 byte."""
    from PIL import Image  # python3-pil, which matplotlib depends on

    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    with Image.open(path) as im:
        assert im.mode == "RGBA", f"expected RGBA, got {im.mode}"
        width, height = im.size
        pixels = im.tobytes()
    stride = width * 4 + 1
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        raw += pixels[y * width * 4:(y + 1) * width * 4]
    return width, height, bytes(raw), stride


def pixel(img, x, y):
    width, height, raw, stride = img
    i = int(y) * stride + 1 + int(x) * 4
    return tuple(raw[i:i + 3])


def near(c, want, tol=6):
    return all(abs(a - b) <= tol for a, b in zip(c, want))


def render(viewer, work, h5, name, *extra):
    """One headless frame of `h5`: (image, layout JSON), or (None, stderr) when the viewer fails."""
    png, js = work / f"{name}.png", work / f"{name}.json"
    r = subprocess.run([viewer, str(h5), "--screenshot", str(png), "--layout-json", str(js), *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return read_png(png), json.loads(js.read_text())
