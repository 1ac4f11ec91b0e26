#!/usr/bin/env python3
"""Dev-only: times Pillow's decode of image files the way Hugging Face loads them (open, exif_transpose,
convert("RGB")), single-threaded, so `qwen-onnx bench preprocess` can be compared with it on the same machine.

Usage: /usr/bin/python3 scripts/vision-golden/time_pillow_decode.py FILE... [--runs N]
Prints the median, minimum and libjpeg-turbo's version per file, in milliseconds.
"""
import argparse
import statistics
import time

from PIL import Image, ImageOps, features


def decode(path):
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}")
    for path in args.files:
        decode(path)  # warm-up: file cache and Pillow's plugin imports
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            rgb = decode(path)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{path}: {rgb.width}x{rgb.height} decode median {statistics.median(times):.3f} ms, min {min(times):.3f} ms ({args.runs} runs)")


if __name__ == "__main__":
    main()
