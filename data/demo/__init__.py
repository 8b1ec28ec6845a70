"""The demo data set as package data: `convo_tui.demo_data` in the wheel.

pyproject.toml maps that package onto this folder, so the JSON files are
committed once, here; `convo_tui.demo_files.folder()` finds them.
"""
