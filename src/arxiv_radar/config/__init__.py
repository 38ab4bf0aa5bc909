"""Configuration: typed sections, the ``arxiv-radar.toml`` loader, the environment and the old
``config.json``.

:func:`load_config` is the one entry point. It reads a TOML file (or the old tool's
``config.json``, whose keys keep their meaning), applies ``ARXIV_RADAR_*`` environment
variables (every setting can be set from one) and validates everything into a frozen
:class:`Config`. Each stage receives only its own section (:class:`ArxivConfig`,
:class:`ProfileConfig`, :class:`SummaryConfig`, :class:`StoreConfig`, :class:`PublishConfig`).

The package's modules: ``values`` (what a setting may hold), ``sections`` (the models),
``loading`` (files), ``environment`` (variables, through pydantic-settings), ``legacy`` (the
old config.json) and ``messages`` (validation errors as one clear line).
"""

from arxiv_radar.config.environment import ENV_OVERRIDES, ENV_PREFIX
from arxiv_radar.config.legacy import OLD_TOOL_DEFAULT_CATEGORIES, OLD_TOOL_DEFAULT_MAX_WORKERS
from arxiv_radar.config.loading import (
    CONFIG_FILENAME,
    LEGACY_FILENAME,
    find_config_file,
    load_config,
)
from arxiv_radar.config.messages import plain_message
from arxiv_radar.config.sections import (
    DEFAULT_CATEGORIES,
    DEFAULT_PRICES,
    ArxivConfig,
    BudgetConfig,
    Config,
    NamedProfile,
    PriceConfig,
    ProfileConfig,
    PublishConfig,
    StoreConfig,
    SummaryConfig,
    WorkersConfig,
)
from arxiv_radar.config.values import (
    DEFAULT_AUTHOR_WEIGHT,
    DEFAULT_KEYWORDS,
    AuthorRule,
    KeywordRule,
)

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_AUTHOR_WEIGHT",
    "DEFAULT_CATEGORIES",
    "DEFAULT_KEYWORDS",
    "DEFAULT_PRICES",
    "ENV_OVERRIDES",
    "ENV_PREFIX",
    "LEGACY_FILENAME",
    "OLD_TOOL_DEFAULT_CATEGORIES",
    "OLD_TOOL_DEFAULT_MAX_WORKERS",
    "ArxivConfig",
    "AuthorRule",
    "BudgetConfig",
    "Config",
    "KeywordRule",
    "NamedProfile",
    "PriceConfig",
    "ProfileConfig",
    "PublishConfig",
    "StoreConfig",
    "WorkersConfig",
    "SummaryConfig",
    "find_config_file",
    "load_config",
    "plain_message",
]
