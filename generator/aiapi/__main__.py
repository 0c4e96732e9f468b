"""Allow `python -m aiapi`."""

from aiapi.cli import main

main()
