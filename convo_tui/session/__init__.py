"""An agent's session in the terminal UI, in plain Python (no Textual import).

The Desk is every read and action the UI makes, through core's rules; the view
records are what it hands the screens; the rest is the UI's own bookkeeping that
needs no toolkit: the order of draft writes, the key map, the words for a
customer's activity, the garbage collector's schedule while the inbox is up.
"""
