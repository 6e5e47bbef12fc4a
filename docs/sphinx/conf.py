# Sphinx configuration of plantwin's documentation site. scripts/docs.sh stages the sources
# (this folder, docs/*.md, scenarios/README.md, the notebooks) into build/docs/src and builds
# build/docs/html from there with warnings as errors.
import os

project = "plantwin"
author = "plantwin maintainers"
copyright = "2026, plantwin maintainers"

extensions = [
    "myst_parser",          # the Markdown user guide
    "nbsphinx",             # the example notebooks, executed, with their outputs
    "sphinx.ext.autodoc",   # the Python API from the docstrings
    "sphinx.ext.napoleon",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_static_path = []
html_extra_path = ["_extra"]  # Doxygen's C++ reference, as cpp/

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_inherit_docstrings = False  # Runs: its own docstrings, not pandas'

nbsphinx_execute = "always"
nbsphinx_timeout = 900
nbsphinx_kernel_name = "python3"
nbsphinx_allow_errors = False
