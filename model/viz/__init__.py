"""Figures (matplotlib, seaborn, SVG) for the command line, the app and the reports."""

import warnings

# A character the font lacks (an emoji in a field's or calibration's name) is drawn as a box and the
# figure is still right; matplotlib's warning for every glyph at every save is noise to the user.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
