"""The background worker: a loop of sweeps (`loop`), the one-worker-per-SQLite-file lock
(`lock`) and the sweep it runs (`outbox`: for now, the documents the logs ask for).

Nothing heavy at import: APScheduler, SQLAlchemy and the issuing code load when used.
"""

from inspect_engine.services.worker.lock import WorkerLock, WorkerRunning
from inspect_engine.services.worker.loop import Sweep, SweepReport, run_worker
from inspect_engine.services.worker.outbox import WorkerRuntime, default_sweep

__all__ = [
    "Sweep",
    "SweepReport",
    "WorkerLock",
    "WorkerRunning",
    "WorkerRuntime",
    "default_sweep",
    "run_worker",
]
