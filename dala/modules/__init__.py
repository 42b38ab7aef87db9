"""The plug-in host: hook specifications, the plug-in manager and the facade core calls."""
