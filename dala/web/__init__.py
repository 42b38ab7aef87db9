"""Portal shell: front-end assets from npm, and (later) layout and navigation."""
