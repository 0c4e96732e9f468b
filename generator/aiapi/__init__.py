"""aiapi: generate and update AI FastAPI backends from one Copier template."""

__version__ = "0.1.0"
