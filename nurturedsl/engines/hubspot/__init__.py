"""HubSpot target (in progress): only the graph rules exist so far; no TARGET yet."""
