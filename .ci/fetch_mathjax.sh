#!/usr/bin/env bash
# Vendor MathJax 3.2.2 (Apache-2.0) from the npm registry into $1 (default _extra/mathjax).
# Run by `make mathjax`; the result is committed, so no build ever fetches MathJax.
set -euo pipefail
dest=${1:-_extra/mathjax}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mathjax@3.2.2 >/dev/null && tar xzf mathjax-3.2.2.tgz)
M=$tmp/package/es5
rm -rf "$dest"; mkdir -p "$dest/output/chtml/fonts" "$dest/input/tex"
cp "$M/tex-mml-chtml.js" "$dest/"
cp -r "$M/output/chtml/fonts/woff-v2" "$dest/output/chtml/fonts/"
cp -r "$M/input/tex/extensions" "$dest/input/tex/"   # autoloaded TeX packages (\boldsymbol, \cancel, ...)
cp -r "$M/ui" "$M/a11y" "$dest/"                       # menu and accessibility (lazy-loaded)
cp "$tmp/package/LICENSE" "$dest/"
cat > "$dest/README.md" <<'TXT'
MathJax 3.2.2 (https://www.mathjax.org), Apache License 2.0 (see LICENSE), vendored from the npm
package `mathjax@3.2.2` by `.ci/fetch_mathjax.sh` (`make mathjax`) so that the book renders math
without network access. Copied to `_build/html/mathjax/` through Sphinx's `html_extra_path`.
TXT
echo "vendored MathJax 3.2.2 into $dest ($(find "$dest" -type f | wc -l) files)"
