"""Intent precision, recall and F1 on a held-out fifth of the NLU data.

Splits `data/nlu` (stratified, fixed seed), trains an NLU-only model on four fifths with the
project's `config.yml`, tests on the rest with `rasa test nlu`, prints a table and writes
the "nlu" section of reports/eval.json.  Usage: .venv/bin/python scripts/eval_nlu.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.report_file import write_section  # noqa: E402

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
       "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}


def rasa(*args: str) -> None:
    print("  rasa " + " ".join(args), flush=True)
    result = subprocess.run([str(RASA), *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"rasa {args[0]} failed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", help="the Rasa config to measure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="companion-nlu-eval-"))
    rasa("data", "split", "nlu", "--nlu", "data/nlu", "--training-fraction", "0.8",
         "--random-seed", "7", "--out", str(work / "split"))
    rasa("train", "nlu", "--nlu", str(work / "split" / "training_data.yml"), "--config",
         args.config, "--out", str(work / "models"), "--fixed-model-name", "nlu-eval")
    rasa("test", "nlu", "--nlu", str(work / "split" / "test_data.yml"), "--model",
         str(work / "models" / "nlu-eval.tar.gz"), "--out", str(work / "results"))
    report = json.loads((work / "results" / "intent_report.json").read_text())

    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v
               and k not in ("macro avg", "weighted avg", "micro avg")}
    print(f"\n{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
    for name, row in sorted(intents.items()):
        print(f"{name:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}"
              f"{row['f1-score']:>8.3f}{row['support']:>6}")
    macro = report["macro avg"]
    print(f"{'macro avg':<22}{macro['precision']:>10.3f}{macro['recall']:>8.3f}"
          f"{macro['f1-score']:>8.3f}")
    print(f"accuracy {report['accuracy']:.3f}")

    figures = {
        "accuracy": round(report["accuracy"], 4),
        "macro": {k: round(macro[k], 4) for k in ("precision", "recall", "f1-score")},
        "per_intent": {name: {"precision": round(row["precision"], 4),
                              "recall": round(row["recall"], 4),
                              "f1": round(row["f1-score"], 4), "n": row["support"]}
                       for name, row in intents.items()},
    }
    figures["config"] = args.config
    write_section("nlu", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
