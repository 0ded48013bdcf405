#!/usr/bin/env bash
# Real photographs for the quality-flag tests and bench/curation-calibration.ts, from two Debian
# packages (no install: the .deb is downloaded and unpacked here):
#   python3-skimage     scikit-image's sample photos (CC0 or public domain, each one's origin
#                       is in skimage/data/_fetchers.py inside the package)
#   mate-backgrounds    the MATE desktop's nature photographs (GPL-2+)
# into .cache/photos/ (git-ignored): colour/ holds 21 colour photographs, gray/ 8 black-and-white
# ones. Needs apt (Debian or Ubuntu); elsewhere it says so and exits 0, and the photo tests are
# skipped outside CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/photos
if [ -f "$out/colour/sk-coffee.png" ] && [ -f "$out/gray/sk-camera.png" ]; then exit 0; fi
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  echo "calibration-photos: no apt-get/dpkg here; the photograph tests will be skipped (they run in CI)." >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q python3-skimage mate-backgrounds >/dev/null 2>&1) || {
  apt-get update -q >/dev/null
  (cd "$work" && apt-get download -q python3-skimage mate-backgrounds >/dev/null)
}
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/x"; done
mkdir -p "$out/colour" "$out/gray"
sk="$work/x/usr/lib/python3/dist-packages/skimage/data"
for f in astronaut.png chelsea.png coffee.png hubble_deep_field.jpg ihc.png motorcycle_left.png motorcycle_right.png retina.jpg rocket.jpg; do
  cp "$sk/$f" "$out/colour/sk-$f"
done
for f in camera.png moon.png coins.png brick.png grass.png gravel.png clock_motion.png cell.png; do
  cp "$sk/$f" "$out/gray/sk-$f"
done
for f in "$work"/x/usr/share/backgrounds/mate/nature/*.jpg; do
  cp "$f" "$out/colour/mate-$(basename "$f")"
done
echo "calibration-photos: $(ls "$out/colour" | wc -l) colour and $(ls "$out/gray" | wc -l) gray photographs in $out"
