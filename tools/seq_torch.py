"""Makes PyTorch importable for the sequence-model tools (seq_fixtures.py, seq_reference.py).

If `import torch` fails, a virtual environment is created once at $STACKNET_TORCH_VENV
(default ~/.cache/stacknet/seq-venv), numpy and torch are installed into it from PyPI, and
the calling script is re-run with that environment's Python. PyPI's Linux torch wheel is the
CUDA build (several GB with its nvidia-* dependencies): the CPU-only index is not reachable
from this project's machines. That is acceptable for these developer tools, never for CI,
which checks the committed fixtures without Python.
"""
from __future__ import annotations

import os
import subprocess
import sys

VENV = os.environ.get("STACKNET_TORCH_VENV",
                      os.path.join(os.path.expanduser("~"), ".cache", "stacknet", "seq-venv"))


def ensure_torch() -> None:
    """Returns if torch imports; otherwise installs it in VENV and re-executes the script."""
    try:
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    # A venv's python is a symlink to the base interpreter: compare prefixes, not binaries.
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit(f"torch is still missing in {VENV}; delete it and run again")
    if not os.path.exists(python):
        print(f"creating {VENV} (torch from PyPI, a large download)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    probe = subprocess.run([python, "-c", "import torch, numpy"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "numpy", "torch"],
                       check=True)
    os.execv(python, [python, *sys.argv])
