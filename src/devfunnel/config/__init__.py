"""Configuration: the company's model and how devfunnel runs, validated on load.

Use :func:`load_settings`; see ``docs/configuration.md`` for every key.
"""

from devfunnel.config.loader import default_config_text, load_settings
from devfunnel.config.settings import Settings

__all__ = ["Settings", "default_config_text", "load_settings"]
