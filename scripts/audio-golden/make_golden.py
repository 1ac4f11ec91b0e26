#!/usr/bin/env python3
"""Writes the reference data of the audio tests with NumPy (Debian: python3-numpy).

It re-implements Hugging Face's WhisperFeatureExtractor NumPy path (`_np_extract_fbank_features` with
`audio_utils.spectrogram`, `window_function(400, "hann")`, `mel_filter_bank(..., norm="slaney", mel_scale="slaney")`)
in float64, casting to float32 where the reference does. Inputs are generated from a fixed seed.
"""
import json
import pathlib
import subprocess
import wave

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "Qwen.Onnx.Audio.Tests" / "TestData"
SR, N_FFT, HOP, N_SAMPLES = 16000, 400, 160, 480000


def hertz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    mels = 3.0 * f / 200.0
    logstep = 27.0 / np.log(6.4)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) * logstep, mels)


def mel_to_hertz(m):
    m = np.asarray(m, dtype=np.float64)
    freq = 200.0 * m / 3.0
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)), freq)


def mel_filter_bank(num_bins, num_mels, fmin, fmax, sr):
    mel_freqs = np.linspace(hertz_to_mel(fmin), hertz_to_mel(fmax), num_mels + 2)
    filter_freqs = mel_to_hertz(mel_freqs)
    fft_freqs = np.linspace(0, sr // 2, num_bins)
    filter_diff = np.diff(filter_freqs)
    slopes = np.expand_dims(filter_freqs, 0) - np.expand_dims(fft_freqs, 1)
    down = -slopes[:, :-2] / filter_diff[:-1]
    up = slopes[:, 2:] / filter_diff[1:]
    filters = np.maximum(np.zeros(1), np.minimum(down, up))
    enorm = 2.0 / (filter_freqs[2 : num_mels + 2] - filter_freqs[:num_mels])
    return filters * np.expand_dims(enorm, 0)  # [bins, mels]


def log_mel(waveform, num_mels=128):
    x = np.zeros(N_SAMPLES, dtype=np.float32)
    x[: min(len(waveform), N_SAMPLES)] = waveform[:N_SAMPLES]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    padded = np.pad(x.astype(np.float64), (N_FFT // 2, N_FFT // 2), mode="reflect")
    frames = 1 + (len(padded) - N_FFT) // HOP
    spec = np.empty((N_FFT // 2 + 1, frames), dtype=np.complex128)
    for f in range(frames):
        spec[:, f] = np.fft.rfft(padded[f * HOP : f * HOP + N_FFT] * window)
    power = np.abs(spec) ** 2
    mel = mel_filter_bank(N_FFT // 2 + 1, num_mels, 0.0, 8000.0, SR).T @ power
    log = np.log10(np.maximum(1e-10, mel)).astype(np.float32)[:, :-1]
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


def write_compressed_fixtures():
    """A 1 kHz stereo tone at 44.1 kHz as WAV, MP3 (Debian: lame) and Ogg Vorbis (Debian: vorbis-tools)."""
    rate = 44100
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t) * 32767).astype(np.int16)
    stereo = np.stack([tone, tone], -1)
    wav = OUT / "tone-1k-stereo-44k.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(stereo.tobytes())
    subprocess.run(["lame", "--quiet", "-b", "128", str(wav), str(OUT / "tone-1k-stereo-44k.mp3")], check=True)
    subprocess.run(["oggenc", "--quiet", "-q", "5", "-o", str(OUT / "tone-1k-stereo-44k.ogg"), str(wav)], check=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    t = np.arange(3 * SR) / SR
    cases = {
        "tone-noise-3s": (0.4 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32),
        "chirp-3s": (0.5 * np.sin(2 * np.pi * (100 + 2500 * t) * t)).astype(np.float32),
        "bursts-2s": (0.3 * np.sin(2 * np.pi * 180 * np.arange(2 * SR) / SR) * (rng.random(2 * SR) > 0.3)).astype(np.float32),
        "silence-1s": np.zeros(SR, dtype=np.float32),
    }
    manifest = []
    for name, wave in cases.items():
        np.save(OUT / f"{name}.input.npy", wave)
        np.save(OUT / f"{name}.features.npy", log_mel(wave))
        manifest.append({"name": name, "input": f"{name}.input.npy", "expected": f"{name}.features.npy", "samples": int(wave.size)})
    wave = cases["tone-noise-3s"]
    np.save(OUT / "tone-noise-3s.features-80.npy", log_mel(wave, num_mels=80))
    manifest.append({"name": "tone-noise-3s-80-mels", "input": "tone-noise-3s.input.npy", "expected": "tone-noise-3s.features-80.npy", "samples": int(wave.size), "mels": 80})
    np.save(OUT / "mel-filters-128.npy", np.ascontiguousarray(mel_filter_bank(201, 128, 0.0, 8000.0, SR).T))
    write_compressed_fixtures()
    (OUT / "audio-golden.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
