"""Measure torch's LSTM kernels at the official Stanza model sizes: packed against padded.

    python -m benchmarks.bench_lstm_kernel [--threads 1] [--repeats 5]

Stanza hands its LSTMs packed sequences. For each LSTM shape of the official models
that matters for time (the character LM: 100 -> 1024, one direction; the parser's first
layer: 2423 -> 400, both directions) and a few batch sizes, this times, in the same run,
the LSTM on a packed batch (Stanza's call, the baseline) and on the same batch padded
(what :mod:`pipeline.nlp.charlm`'s fused kernel does), and reports GFLOP/s counted on
the real (unpadded) steps. Sequences get lengths spread like sentences (60-100% of the
longest) so packing has something to skip. Weights are random: the cost of an LSTM
does not depend on them.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

SHAPES = {
    "character LM (100 -> 1024, forward)": (100, 1024, False, 150),
    "parser layer 1 (2423 -> 400, both directions)": (2423, 400, True, 30),
}
BATCHES = (1, 4, 8, 16, 32)


def _seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: kernel selection and first allocations
    started = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - started) / repeats


def _packed(lstm: Any, padded: Any, lengths: list[int]) -> object:
    """The LSTM as Stanza calls it: on the batch packed by length."""
    from torch.nn.utils.rnn import pack_padded_sequence

    return lstm(pack_padded_sequence(padded, lengths, batch_first=True))


def measure(repeats: int) -> list[dict[str, object]]:
    import torch

    rng = random.Random(20231015)
    rows: list[dict[str, object]] = []
    for name, (inputs, hidden, both, longest) in SHAPES.items():
        lstm = torch.nn.LSTM(inputs, hidden, 1, batch_first=True, bidirectional=both).eval()
        directions = 2 if both else 1
        for batch in BATCHES:
            lengths = sorted(
                (rng.randint(int(0.6 * longest), longest) for _ in range(batch)), reverse=True
            )
            lengths[0] = longest
            padded = torch.randn(batch, longest, inputs)
            with torch.no_grad():
                packed_s = _seconds(partial(_packed, lstm, padded, lengths), repeats)
                padded_s = _seconds(partial(lstm, padded), repeats)
            flops = 2 * 4 * hidden * (inputs + hidden) * directions * sum(lengths)
            rows.append(
                {
                    "lstm": name,
                    "batch": batch,
                    "packed_ms": 1000 * packed_s,
                    "padded_ms": 1000 * padded_s,
                    "packed_gflops": flops / packed_s / 1e9,
                    "padded_gflops": flops / padded_s / 1e9,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before torch is imported
        os.environ[var] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), mean of {args.repeats} runs")
    print("| LSTM | batch | packed (Stanza) | padded (fused) | speed-up |")
    print("|---|---|---|---|---|")
    for row in measure(args.repeats):
        print(
            f"| {row['lstm']} | {row['batch']} | {row['packed_ms']:.1f} ms, "
            f"{row['packed_gflops']:.0f} GFLOP/s | {row['padded_ms']:.1f} ms, "
            f"{row['padded_gflops']:.0f} GFLOP/s | "
            f"{float(str(row['packed_ms'])) / float(str(row['padded_ms'])):.2f}x |"
        )


if __name__ == "__main__":
    main()
