"""`python -m bench` runs bench/run.py (see its docstring)."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).with_name("run.py")), run_name="__main__")
