#!/usr/bin/env bash
# Draws build/appicon.png (1024x1024): a white key on a dark indigo rounded
# square. Wails makes the platform icons from it. Needs ImageMagick.
# The console's logo (frontend/src/components/Logo.svelte, public/favicon.svg)
# is the same drawing on a 64-unit grid (here scaled by 16); the sidebar logo uses a lighter gradient to stand out on the dark sidebar.
set -euo pipefail
cd "$(dirname "$0")"
convert -size 1024x1024 -define gradient:angle=135 gradient:'#4f46e5-#1e1b4b' \
  \( -size 1024x1024 xc:none -fill white -draw "roundrectangle 32,32 991,991 224,224" \) \
  -alpha off -compose CopyOpacity -composite -compose Over \
  -fill none -stroke white -strokewidth 92 \
  -draw "stroke-linecap round stroke-linejoin round circle 352,512 352,368" \
  -draw "stroke-linecap round line 500,512 820,512" \
  -draw "stroke-linecap round line 700,512 700,650" \
  -draw "stroke-linecap round line 820,512 820,620" \
  -strip PNG32:appicon.png
