"""Portal shell: front-end assets from npm, the shared layout and navigation, sign-in pages.

``dala.web.shell.init_web`` registers the pages; ``dala.web.views`` holds them,
``dala.web.forms`` their forms and ``dala.web.services`` what they read.
"""
