#!/usr/bin/env bash
# Install the Debian packages the test suite uses, if any is missing (with --venv-only: only
# what creating the virtual environment needs):
#   python3-venv           `python3 -m venv`, if the system Python lacks it
#   dataset-fashion-mnist  the one test that reads the real Fashion-MNIST files
#   texlive-latex-base     pdflatex, to compile the LaTeX worked solutions and homework sheets
#   chromium               the headless browser the playground's tests drive with Playwright
#   fonts-dejavu-core      fonts for that browser's screenshots
#   postgresql             the shared study storage of the distributed sweep test
# Called by `make test` so that the README's test command is green on a bare machine; a
# machine that already has them does nothing (no network, no root needed).
set -euo pipefail

need=()
# Debian's own python3 makes virtual environments only with python3-venv
"${PYTHON:-python3}" -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
if [ "${1:-}" != "--venv-only" ]; then  # make train needs only the venv
  [ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
  command -v pdflatex >/dev/null 2>&1 || need+=(texlive-latex-base)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages: missing ${need[*]} and no apt-get here; install them by hand" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
