#!/usr/bin/env python3
"""kiln's built-in front-ends (compiler/frontends) against the libraries
models are usually trained with: log-mel and MFCC against torchaudio on the
Speech Commands clips of ../shared/frontend, the spectral motion block against
scipy.signal.periodogram on a synthetic three-axis recording. Features come
from `kiln features` (the compiled front-end, on the host or an emulated
core); the largest errors of each block are printed and checked against the
stated tolerances.

usage: check_frontends.py KILN SHARED_DIR WORK_DIR [TARGET...]
"""
import os
import re
import subprocess
import sys

import numpy as np
import scipy.io.wavfile
import scipy.signal
import torch
import torchaudio

# Both sides compute in float32 with FFTs of different orders of operations.
# Log-mel and MFCC values are logs (natural, of power) and their DCT: an
# absolute tolerance in log units. Spectral features span decades: relative.
LOG_ABS_TOLERANCE = 1e-3
SPECTRAL_REL_TOLERANCE = 1e-4
# The int16 front-ends: KISS's int16 FFT rounds at every stage, which puts a
# floor about 45-50 dB under each frame's peak. Log-mel bands within 30 dB of
# the clip's loudest are held to 0.1 (log units); MFCC, which mixes every
# band, to a tenth of the clip's largest coefficient. Both sides floor the
# power at 1e-6 (a clamp), and the emulated cores give the host's bytes.
INT16_LOG_ABS_TOLERANCE = 0.1
INT16_LOG_RANGE = 3 * np.log(10)
INT16_MFCC_REL_TOLERANCE = 0.1

CLIPS = ["yes_1000ms", "no_1000ms", "silence_1000ms", "noise_1000ms"]
AUDIO_CONFIGS = [
    # (front-end, kiln spec parameters, torchaudio arguments, hop)
    ("log-mel", "frame=512,fft=512,mels=40,min_hz=20", dict(n_fft=512, n_mels=40, f_min=20.0), 256),
    ("mfcc", "frame=512,fft=512,mels=40,min_hz=20,coefficients=13",
     dict(n_fft=512, n_mels=40, f_min=20.0, n_mfcc=13), 256),
    ("mfcc", "frame=256,fft=256,mels=32,min_hz=0,max_hz=4000,coefficients=10",
     dict(n_fft=256, n_mels=32, f_min=0.0, f_max=4000.0, n_mfcc=10), 128),
    ("log-mel-int16", "frame=512,fft=512,mels=40,min_hz=20", dict(n_fft=512, n_mels=40, f_min=20.0),
     256),
    ("mfcc-int16", "frame=512,fft=512,mels=40,min_hz=20,coefficients=13",
     dict(n_fft=512, n_mels=40, f_min=20.0, n_mfcc=13), 256),
]


def kiln_features(kiln, recording, spec, hop, out, target):
    """The features and their scale (1 for float ones)."""
    run = subprocess.run([kiln, "features", recording, "--frontend", spec, "--hop", str(hop), "-o",
                          out, "--target", target], check=True, capture_output=True, text=True)
    scale = re.search(r"\(scale ([0-9.e+-]+), zero point 0\)", run.stdout)
    return np.load(out), float(scale.group(1)) if scale else 1.0


def torchaudio_features(clip, kind, args, hop):
    rate, samples = scipy.io.wavfile.read(clip)
    wave = torch.tensor(samples.astype(np.float32) / 32768.0)
    mel = dict(n_fft=args["n_fft"], win_length=args["n_fft"], hop_length=hop, f_min=args["f_min"],
               f_max=args.get("f_max", rate / 2), n_mels=args["n_mels"],
               window_fn=torch.hann_window, center=False, power=2.0, norm=None, mel_scale="htk")
    if kind.endswith("-int16"):  # the power clamped at the floor, then torchaudio's DCT
        power = torchaudio.transforms.MelSpectrogram(sample_rate=rate, **mel)(wave)
        log_mel = torch.log(torch.clamp(power, min=1e-6)).T
        if kind == "log-mel-int16":
            return log_mel.numpy()
        return (log_mel @ torchaudio.functional.create_dct(args["n_mfcc"], args["n_mels"],
                                                           "ortho")).numpy()
    if kind == "log-mel":
        power = torchaudio.transforms.MelSpectrogram(sample_rate=rate, **mel)(wave)
        return torch.log(power + 1e-6).T.numpy()
    mfcc = torchaudio.transforms.MFCC(sample_rate=rate, n_mfcc=args["n_mfcc"], dct_type=2,
                                      norm="ortho", log_mels=True, melkwargs=mel)
    return mfcc(wave).T.numpy()


def motion_recording(path):
    """Three axes at 100 Hz: tones at 5, 12.5 and 31 Hz over noise and an offset, in LSBs of
    a +-8 g accelerometer (4096 per g)."""
    rng = np.random.default_rng(1)
    t = np.arange(1000) / 100.0
    axes = np.stack([2000 * np.sin(2 * np.pi * 5 * t) + 300 * rng.standard_normal(t.size) + 500,
                     1500 * np.sin(2 * np.pi * 12.5 * t + 1) + 200 * rng.standard_normal(t.size),
                     4096 + 800 * np.sin(2 * np.pi * 31 * t) + 100 * rng.standard_normal(t.size)],
                    axis=1)
    samples = np.round(axes).astype(np.int16)
    np.save(path, samples)
    return samples


def scipy_spectral(samples, frame, hop, bands, scale):
    rows = []
    for start in range(0, samples.shape[0] - frame + 1, hop):
        row = []
        for axis in range(samples.shape[1]):
            v = samples[start:start + frame, axis].astype(np.float64) * scale
            rms = np.sqrt(np.mean((v - v.mean()) ** 2))
            _, power = scipy.signal.periodogram(v, window="hann", nfft=frame, detrend="constant",
                                                scaling="spectrum")
            banded = power[1:].reshape(bands, -1)
            row += [rms] + list(banded.sum(axis=1)) + list(banded.max(axis=1))
        rows.append(row)
    return np.array(rows)


def clips_on(target):
    """An emulated core boots once per frame: the loudest and the quietest clip there."""
    return CLIPS if target == "host" else ["yes_1000ms", "silence_1000ms"]


def check_audio(kiln, clips, work, target, host_int16, failures):
    for kind, params, args, hop in AUDIO_CONFIGS:
        spec = f"{kind}:{params}"
        worst_abs, worst_rel = 0.0, 0.0
        for clip in clips_on(target):
            wav = os.path.join(clips, clip + ".wav")
            raw, scale = kiln_features(kiln, wav, spec, hop,
                                       os.path.join(work, f"{kind}_{clip}.npy"), target)
            want = torchaudio_features(wav, kind, args, hop)
            if raw.shape != want.shape:
                failures.append(f"{target} {spec} {clip}: shape {raw.shape} vs {want.shape}")
                continue
            if kind.endswith("-int16"):
                key = (spec, clip)
                if target == "host":
                    host_int16[key] = raw
                elif not np.array_equal(raw, host_int16[key]):
                    failures.append(f"{target} {spec} {clip}: not the host's int16 features")
            got = raw.astype(np.float64) * scale
            error = np.abs(got - want)
            if kind == "log-mel-int16":
                error = error[want > want.max() - INT16_LOG_RANGE]
            worst_abs = max(worst_abs, float(error.max()))
            worst_rel = max(worst_rel, float(error.max() / np.abs(want).max()))
        what = "bands within 30 dB of each clip's loudest" if kind == "log-mel-int16" else "all"
        print(f"{target:10} {spec} vs torchaudio ({len(clips_on(target))} clips, {what}): largest error "
              f"{worst_abs:.3g} (log units), {worst_rel:.3g} of the largest value")
        if kind == "mfcc-int16":
            if worst_rel > INT16_MFCC_REL_TOLERANCE:
                failures.append(f"{target} {spec}: relative error {worst_rel}")
        elif worst_abs > (INT16_LOG_ABS_TOLERANCE if kind.endswith("-int16") else LOG_ABS_TOLERANCE):
            failures.append(f"{target} {spec}: error {worst_abs}")


def main():
    kiln, shared, work = sys.argv[1:4]
    targets = sys.argv[4:] or ["host"]
    if targets[0] != "host":
        targets.insert(0, "host")  # the int16 features on a core must be the host's
    os.makedirs(work, exist_ok=True)
    clips = os.path.join(shared, "frontend", "tflm_signal", "micro_speech")
    failures = []
    host_int16 = {}
    for target in targets:
        check_audio(kiln, clips, work, target, host_int16, failures)
        recording = os.path.join(work, "motion.npy")
        samples = motion_recording(recording)
        frame, hop, bands, scale = 128, 64, 8, 1.0 / 4096
        spec = f"spectral:axes=3,frame={frame},bands={bands},scale={scale}"
        got, _ = kiln_features(kiln, recording, spec, hop * 3, os.path.join(work, "spectral.npy"),
                               target)
        want = scipy_spectral(samples, frame, hop, bands, scale)
        if got.shape != want.shape:
            failures.append(f"{target} spectral: shape {got.shape} vs {want.shape}")
        else:
            rel = float((np.abs(got - want) / np.abs(want)).max())
            print(f"{target:10} {spec} vs scipy.signal.periodogram ({got.shape[0]} frames): largest "
                  f"relative error {rel:.3g}")
            if rel > SPECTRAL_REL_TOLERANCE:
                failures.append(f"{target} spectral: relative error {rel} > {SPECTRAL_REL_TOLERANCE}")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
