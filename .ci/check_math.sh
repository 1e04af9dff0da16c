#!/usr/bin/env bash
# Fail if a built page containing TeX shows no typeset math, a MathJax error, an undefined macro
# (MathJax draws those as red text), or loads MathJax from anywhere but the vendored copy.
# Usage: .ci/check_math.sh [_build/html]
set -uo pipefail            # no -e: grep finding nothing must not abort
html=${1:-_build/html}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then echo "check_math: no chromium found (apt-get install chromium)"; exit 2; fi
[ -f "$html/mathjax/tex-mml-chtml.js" ] || { echo "check_math: $html/mathjax/tex-mml-chtml.js missing"; exit 1; }
status=0; pages=0
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
for f in $(grep -rlE 'class="math|\\\(|\\\[' "$html" --include='*.html' | grep -v -e /_static/ -e /_sources/ -e /mathjax/ -e /_modules/ | sort); do
  pages=$((pages + 1))
  if grep -qE '<script[^>]+src="https?://[^"]*mathjax' "$f"; then
    echo "$f: loads MathJax from the network"; status=1
  fi
  dom=$("$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --virtual-time-budget=15000 --dump-dom "file://$(realpath "$f")" 2>/dev/null)
  n=$(grep -o '<mjx-container' <<<"$dom" | wc -l)
  e=$(grep -o '<mjx-merror' <<<"$dom" | wc -l)
  r=$(grep -oE 'mathcolor="red"|data-mjx-error' <<<"$dom" | wc -l)
  echo "$f: $n formulas, $e errors, $r undefined"
  if [ "$n" -eq 0 ] || [ "$e" -gt 0 ] || [ "$r" -gt 0 ]; then status=1; fi
done
echo "check_math: $pages pages with math checked, status $status"
[ "$pages" -gt 0 ] || { echo "check_math: no page with math found"; exit 1; }
exit $status
