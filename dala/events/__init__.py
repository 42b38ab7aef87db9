"""Domain events: what happened to the shared model, delivered to plug-ins after commit."""
