"""The HTTP services convo runs itself: the short-link redirects (`convo links serve`)."""
