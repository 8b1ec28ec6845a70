"""Parts of Textual that convo draws again itself, each for a cost measured on a key.

Each module replaces a Textual widget or behaviour with one that looks the same (the
same glyphs, theme variables and colours, checked by the TUI snapshots) but does less
work per key press in a large inbox. Upgrading Textual means checking these first:
they copy its look and lean on its private names (listed in `widgets.textual_private`).

- `bar_column`: Textual's `ScrollBar` widget, drawn as the last cell of the inbox
  list's and the thread's own lines. The widget rendered again on every scrolling key
  and was a quarter of the strips drawn per `j` at a million conversations (203 of 772).
- `strip_fit`: `Strip.crop_extend`, which keeps a strip that already fits in its own
  cache (a reference cycle): every drawn line became cyclic garbage, and the collector's
  passes were most of what a key cost at its slowest.
- `steady`: `Static.update` and `ScrollView`'s layout bookkeeping. `Static.update` lays
  the whole screen out even when the text keeps its height (the composer's cost line
  changes on every cursor move); a line-API view's scroll bar was updated and repainted
  by every layout of the screen, since Textual hands it its viewport as virtual size.
- `key_bar`: Textual's `Footer`, which removes and mounts one `FooterKey` widget a key on
  every focus move (a few dozen ms to open a thread); here one strip, repainted only
  when the keys shown change.
- `scroll_text`: a `Static` inside a `VerticalScroll` (two widgets under every line of a
  side panel tab, repainted on every move down the list); here one widget that wraps as
  a Static does and changes its scroll height without a layout of the screen.
- `side_tabs`: the tab row of `TabbedContent` (some fourteen widgets under three words);
  here two strips of one widget, with the same look, clicks and keys.
"""
