#!/usr/bin/env python3
"""Writes the reference data of the vision tests with Pillow and NumPy (Debian: python3-pil python3-numpy).

JPEG cases that Pillow cannot write come from Debian's cjpeg/jpegtran (libjpeg-turbo-progs) and ycck.c beside this
file (built with cc against libjpeg62-turbo-dev); the embedded ICC profile is icc-profiles-free's Adobe RGB one.

It re-implements Hugging Face's slow Qwen2VLImageProcessor path step by step (convert("RGB"), smart_resize,
Image.resize(BICUBIC), rescale in float64 then float32, normalise in float32, reshape/transpose patchify), so the C#
processor is compared against Pillow's own resampler and NumPy's own arithmetic. Run from anywhere; it writes into
tests/Qwen.Onnx.Vision.Tests/TestData. Inputs are generated from a fixed seed, so the output is reproducible.
"""
import hashlib
import json
import math
import pathlib
import subprocess
import tempfile

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "Qwen.Onnx.Vision.Tests" / "TestData"
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def smart_resize(h, w, factor=28, min_pixels=3136, max_pixels=12845056):
    if max(h, w) / min(h, w) > 200:
        raise ValueError("aspect")
    h_bar = round(h / factor) * factor
    w_bar = round(w / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((h * w) / max_pixels)
        h_bar = max(factor, math.floor(h / beta / factor) * factor)
        w_bar = max(factor, math.floor(w / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (h * w))
        h_bar = math.ceil(h * beta / factor) * factor
        w_bar = math.ceil(w * beta / factor) * factor
    return h_bar, w_bar


def pixel_values(image, min_pixels, max_pixels, patch=14, merge=2, temporal=2):
    rgb = image.convert("RGB")
    h, w = smart_resize(rgb.height, rgb.width, patch * merge, min_pixels, max_pixels)
    resized = rgb.resize((w, h), Image.BICUBIC)
    x = np.asarray(resized).astype(np.float64) * (1 / 255)
    x = x.astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    x = x.transpose(2, 0, 1)[None]  # [1, C, H, W]
    x = np.tile(x, (temporal, 1, 1, 1))
    gh, gw = h // patch, w // patch
    x = x.reshape(1, temporal, 3, gh // merge, merge, patch, gw // merge, merge, patch)
    x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(gh * gw, 3 * temporal * patch * patch).astype(np.float32), [1, gh, gw]


def video_pixel_values(frames, min_pixels, max_pixels, patch=14, merge=2, temporal=2):
    """Qwen2VLVideoProcessor: one smart_resize from the first frame, every frame resized alike, last frame repeated."""
    rgb = [f.convert("RGB") for f in frames]
    h, w = smart_resize(rgb[0].height, rgb[0].width, patch * merge, min_pixels, max_pixels)
    x = np.stack([np.asarray(f.resize((w, h), Image.BICUBIC)) for f in rgb]).astype(np.float64) * (1 / 255)
    x = x.astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    x = x.transpose(0, 3, 1, 2)  # [T, C, H, W]
    if x.shape[0] % temporal:
        x = np.concatenate([x, np.repeat(x[-1:], temporal - x.shape[0] % temporal, axis=0)])
    gt, gh, gw = x.shape[0] // temporal, h // patch, w // patch
    x = x.reshape(gt, temporal, 3, gh // merge, merge, patch, gw // merge, merge, patch)
    x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(gt * gh * gw, 3 * temporal * patch * patch).astype(np.float32), [gt, gh, gw]


def textured(width, height, mode, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([(xx * 255 // max(1, width - 1)), (yy * 255 // max(1, height - 1)), ((xx + yy) * 7) % 256], -1)
    noise = rng.integers(-40, 41, size=(height, width, 3))
    rgb = np.clip(base + noise, 0, 255).astype(np.uint8)
    if mode == "RGB":
        return Image.fromarray(rgb, "RGB")
    alpha = rng.integers(0, 256, size=(height, width, 1)).astype(np.uint8)
    return Image.fromarray(np.concatenate([rgb, alpha], -1), "RGBA")


def decode_fixtures():
    """Formats and modes that need conversion; expected = what Pillow's exif_transpose + convert("RGB") gives."""
    from PIL import ImageFilter, ImageOps
    base = textured(40, 24, "RGB", 5)
    fixtures = []

    def add(name, image, save_kwargs=None):
        image.save(OUT / name, **(save_kwargs or {}))
        with Image.open(OUT / name) as reopened:
            rgb = ImageOps.exif_transpose(reopened).convert("RGB")
            expected = name + ".rgb.npy"
            np.save(OUT / expected, np.asarray(rgb, dtype=np.uint8))
            fixtures.append({"image": name, "mode": reopened.mode, "expected": expected})

    add("gray-40x24.png", base.convert("L"))
    palette = base.convert("P", palette=Image.ADAPTIVE, colors=16)
    palette.info["transparency"] = 3
    add("palette-transparent-40x24.png", palette, {"transparency": 3})
    gray16 = Image.fromarray((np.asarray(base.convert("L"), dtype=np.uint16) * 257).astype(np.uint16))
    add("gray16-40x24.png", gray16)
    add("cmyk-40x24.jpg", base.convert("CMYK"), {"quality": 95})
    # 4:4:4 keeps chroma at full resolution, so only the decoders' IDCT rounding can differ; the smooth 4:2:0 case
    # measures chroma upsampling (libjpeg's "fancy" triangle filter against ImageSharp's).
    add("rgb-40x24.jpg", base, {"quality": 95, "subsampling": 0})
    smooth = textured(160, 120, "RGB", 6).filter(ImageFilter.GaussianBlur(3))
    add("smooth-420-160x120.jpg", smooth, {"quality": 95, "subsampling": 2})
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    add("exif-rotated-40x24.jpg", base, {"quality": 95, "subsampling": 0, "exif": exif.tobytes()})
    add("rgb-40x24.webp", base, {"lossless": True})
    add("rgb-40x24.bmp", base)
    add("rgb-40x24.tiff", base)
    return fixtures


def jpeg_fixtures():
    """Every kind of JPEG libjpeg-turbo decodes for Pillow; expected = exif_transpose + convert("RGB") and its pixel_values.

    pixel_values are stored as the SHA-256 of their float32 bytes (plus the RGB as .npy for diagnostics), which keeps
    the data small while the test still demands bit equality.
    """
    from PIL import ImageFilter
    tools = pathlib.Path(tempfile.mkdtemp())
    ycck = tools / "ycck"
    subprocess.run(["cc", "-O2", "-o", str(ycck), str(pathlib.Path(__file__).with_name("ycck.c")), "-ljpeg"], check=True)
    photo = textured(97, 71, "RGB", 7).filter(ImageFilter.GaussianBlur(1.2))
    small = textured(45, 29, "RGB", 8).filter(ImageFilter.GaussianBlur(0.8))
    photo.save(tools / "photo.ppm")
    photo.convert("L").save(tools / "photo.pgm")
    fixtures = []

    def record(name, kind):
        with Image.open(OUT / name) as reopened:
            rgb = ImageOps.exif_transpose(reopened).convert("RGB")
            expected = name + ".rgb.npy"
            np.save(OUT / expected, np.asarray(rgb, dtype=np.uint8))
            values, grid = pixel_values(rgb, 3136, 12845056)
            fixtures.append({"image": name, "kind": kind, "mode": reopened.mode, "expected": expected, "grid_thw": grid,
                             "pixel_values_sha256": hashlib.sha256(values.tobytes()).hexdigest()})

    def pillow(name, kind, image, **save):
        image.save(OUT / name, **save)
        record(name, kind)

    def tool(name, kind, *command, stdin=None):
        (OUT / name).write_bytes(subprocess.run(list(command), input=stdin, capture_output=True, check=True).stdout)
        record(name, kind)

    from PIL import ImageOps
    for sampling, label in [(0, "444"), (1, "422"), (2, "420")]:
        pillow(f"jpeg-baseline-{label}-97x71.jpg", f"baseline {label}", photo, quality=90, subsampling=sampling)
    ppm, pgm = str(tools / "photo.ppm"), str(tools / "photo.pgm")
    tool("jpeg-baseline-440-97x71.jpg", "baseline 440 (cjpeg)", "cjpeg", "-quality", "90", "-sample", "1x2,1x1,1x1", ppm)
    tool("jpeg-baseline-411-97x71.jpg", "baseline 411 (cjpeg)", "cjpeg", "-quality", "90", "-sample", "4x1,1x1,1x1", ppm)
    pillow("jpeg-progressive-420-97x71.jpg", "progressive 420 (Pillow)", photo, quality=90, subsampling=2, progressive=True)
    tool("jpeg-progressive-444-97x71.jpg", "progressive 444 (cjpeg)", "cjpeg", "-quality", "90", "-sample", "1x1", "-progressive", ppm)
    tool("jpeg-restart-rows-97x71.jpg", "restart every MCU row (cjpeg)", "cjpeg", "-quality", "90", "-restart", "1", ppm)
    baseline = (OUT / "jpeg-baseline-420-97x71.jpg").read_bytes()
    tool("jpeg-restart-3-blocks-97x71.jpg", "restart every 3 MCUs (jpegtran)", "jpegtran", "-restart", "3B", stdin=baseline)
    tool("jpeg-progressive-restart-97x71.jpg", "progressive with restarts (jpegtran)", "jpegtran", "-progressive", "-restart", "2B", stdin=baseline)
    tool("jpeg-arithmetic-97x71.jpg", "arithmetic coding (cjpeg)", "cjpeg", "-quality", "90", "-arithmetic", ppm)
    pillow("jpeg-gray-97x71.jpg", "grayscale (Pillow)", photo.convert("L"), quality=90)
    tool("jpeg-gray-progressive-97x71.jpg", "grayscale progressive (cjpeg)", "cjpeg", "-quality", "90", "-progressive", pgm)
    pillow("jpeg-cmyk-97x71.jpg", "Adobe CMYK (Pillow)", photo.convert("CMYK"), quality=90)
    cmyk = photo.convert("CMYK").tobytes("raw", "CMYK;I")
    tool("jpeg-ycck-97x71.jpg", "Adobe YCCK (ycck.c)", str(ycck), "97", "71", "90", stdin=cmyk)
    icc = pathlib.Path("/usr/share/color/icc/compatibleWithAdobeRGB1998.icc").read_bytes()
    pillow("jpeg-icc-adobergb-97x71.jpg", "ICC profile ignored (Pillow)", photo, quality=90, icc_profile=icc)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        pillow(f"jpeg-exif-{orientation}-45x29.jpg", f"EXIF orientation {orientation}", small, quality=90, subsampling=2, exif=exif.tobytes())
    exif = Image.Exif()
    exif[0x0112] = 8
    pillow("jpeg-exif-8-gray-45x29.jpg", "EXIF orientation 8, grayscale", small.convert("L"), quality=90, exif=exif.tobytes())
    return fixtures


def fuzz_seeds():
    """Tiny files of every supported format and variant: the corpus that tests/.../ImageFuzzer mutates."""
    seeds = OUT / "fuzz-seeds"
    seeds.mkdir(exist_ok=True)
    rgb = textured(16, 12, "RGB", 9)
    rgba = textured(16, 12, "RGBA", 10)
    rgb.save(seeds / "rgb.png")
    rgba.save(seeds / "rgba-interlaced.png", interlace=1)
    rgb.convert("P", palette=Image.ADAPTIVE, colors=8).save(seeds / "palette.png", transparency=2)
    Image.fromarray((np.asarray(rgb.convert("L"), dtype=np.uint16) * 257)).save(seeds / "gray16.png")
    rgb.save(seeds / "baseline-420.jpg", quality=80)
    rgb.save(seeds / "progressive-444.jpg", quality=80, subsampling=0, progressive=True)
    rgb.convert("L").save(seeds / "gray.jpg", quality=80)
    rgb.convert("CMYK").save(seeds / "cmyk.jpg", quality=80)
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(seeds / "exif-6.jpg", quality=80, exif=exif.tobytes())
    (seeds / "restart.jpg").write_bytes(subprocess.run(["jpegtran", "-restart", "1B"], input=(seeds / "baseline-420.jpg").read_bytes(),
                                                       capture_output=True, check=True).stdout)
    rgb.save(seeds / "lossy.webp", quality=80)
    rgba.save(seeds / "lossless-alpha.webp", lossless=True)
    frames = [rgb, rgb.transpose(Image.FLIP_LEFT_RIGHT)]
    frames[0].save(seeds / "animated.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    rgb.save(seeds / "rgb.bmp")
    rgb.save(seeds / "lzw.tiff", compression="tiff_lzw")
    rgba.save(seeds / "rgba.tiff")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"resize": [], "pipeline": []}
    source = textured(97, 61, "RGB", 1)
    source.save(OUT / "source-97x61.png")
    for w, h in [(224, 140), (56, 28), (97, 30), (40, 61), (300, 200), (13, 7), (97, 61)]:
        name = f"pil-bicubic-97x61-to-{w}x{h}.png"
        source.resize((w, h), Image.BICUBIC).save(OUT / name)
        manifest["resize"].append({"source": "source-97x61.png", "width": w, "height": h, "expected": name})

    cases = [
        ("rgb-97x61.png", textured(97, 61, "RGB", 2), 3136, 12845056),
        ("rgba-150x90.png", textured(150, 90, "RGBA", 3), 3136, 12845056),
        ("rgb-301x205-capped.png", textured(301, 205, "RGB", 4), 3136, 20000),
    ]
    for name, image, min_pixels, max_pixels in cases:
        image.save(OUT / name)
        values, grid = pixel_values(image, min_pixels, max_pixels)
        expected = name.replace(".png", ".pixel_values.npy")
        np.save(OUT / expected, values)
        manifest["pipeline"].append({"image": name, "min_pixels": min_pixels, "max_pixels": max_pixels, "grid_thw": grid, "expected": expected})

    frames = [textured(97, 61, "RGB", 20 + i) for i in range(3)]
    for i, frame in enumerate(frames):
        frame.save(OUT / f"video-frame-{i}.png")
    values, grid = video_pixel_values(frames, 3136, 8000)
    np.save(OUT / "video-3-frames.pixel_values.npy", values)
    manifest["video"] = {"frames": [f"video-frame-{i}.png" for i in range(3)], "min_pixels": 3136, "max_pixels": 8000,
                         "grid_thw": grid, "expected": "video-3-frames.pixel_values.npy"}

    manifest["decode"] = decode_fixtures()
    manifest["jpeg"] = jpeg_fixtures()
    fuzz_seeds()
    (OUT / "vision-golden.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
