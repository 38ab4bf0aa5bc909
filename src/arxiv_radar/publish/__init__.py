"""Publishing: one :class:`~arxiv_radar.models.Digest` rendered as README, feeds, site, exports."""
