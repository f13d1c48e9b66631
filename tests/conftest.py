"""Suite-wide settings: Prefect must never touch the user's home or phone home."""

import os
import tempfile

_prefect_home = tempfile.mkdtemp(prefix="yrdwatch-prefect-")
os.environ["PREFECT_HOME"] = _prefect_home
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("YRDWATCH_DB", None)
os.environ.pop("YRDWATCH_FIELD_MODEL", None)  # the suite measures the shipped field model
