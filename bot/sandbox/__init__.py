"""A local Bookable: the API, OAuth token endpoint, signed webhooks and `/_control` knobs.

Used by tests, the playground and benchmarks (`bookable-bot sandbox` serves it alone).
"""

from bot.sandbox.app import create_sandbox_app, run_sandbox
from bot.sandbox.state import SandboxConfig, SandboxState

__all__ = ["SandboxConfig", "SandboxState", "create_sandbox_app", "run_sandbox"]
