#!/usr/bin/env bash
# Doxygen's INPUT_FILTER for scripts/docs.sh: in `///` comments, backslashes and angle brackets
# are text (`\t`, `<name>`), not Doxygen commands or HTML tags.
exec sed -E '/^[[:space:]]*\/\/\//{s/\\/\\\\/g; s/</\\</g; s/>/\\>/g}' "$1"
