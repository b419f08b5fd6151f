"""(Being built.)"""


def register(router) -> None:
    """Add this module's viewsets to the API router (called by zugong.api_urls)."""
