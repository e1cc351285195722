#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end tests need (VS Code runs as code-server, driven by
# chromium, because no Electron VS Code can be downloaded or shown on a headless CI machine):
#   - Debian packages: chromium (the browser playwright-core drives), ripgrep (its rg goes
#     into code-server's @vscode/ripgrep), libkrb5-dev (code-server's native `kerberos`
#     module), neovim;
#   - code-server@4.100.3 (VS Code 1.100.3, the newest that runs on Node 20) from npm, into a
#     cache OUTSIDE the repo: ${REFCOUNT_LENS_CACHE:-$HOME/.cache/refcount-lens}/code-server-4.100.3
# Idempotent: every step is skipped when its result is already there. `npm test` runs it
# before the end-to-end tests. The Debian packages need root (as CI runs) or sudo without a
# password; code-server goes into the user's cache and needs neither.
set -euo pipefail

CS_VERSION=4.100.3
RG_PKG_VERSION=1.15.11     # @vscode/ripgrep version that code-server 4.100.3 depends on
RG_BIN_VERSION=v13.0.0-10  # the ripgrep build that @vscode/ripgrep 1.15.11 downloads
CACHE="${REFCOUNT_LENS_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/refcount-lens}"
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
MARKER="$CS_DIR/.install-complete"

t0=$(date +%s)
log() { printf '[setup-e2e] %s\n' "$*"; }
# code-server writes ~/.config/code-server/config.yaml on its first run, even for --version:
# run it with a throwaway HOME.
cs_version() {
  local h; h=$(mktemp -d)
  HOME="$h" XDG_CONFIG_HOME="$h/config" XDG_DATA_HOME="$h/data" "$CS_BIN" --version 2>/dev/null \
    | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+ [0-9a-f]+ with Code [0-9.]+' || true
  rm -rf "$h"
}

# ---- Debian packages --------------------------------------------------------------------
# Each is looked for as the tests use it, so whatever installed it (apt or not) counts.
has() {
  case "$1" in
    chromium) [ -x "${REFCOUNT_LENS_CHROMIUM:-/usr/bin/chromium}" ] ;;
    ripgrep) command -v rg >/dev/null ;;
    libkrb5-dev) command -v krb5-config >/dev/null ;;
    neovim) command -v nvim >/dev/null ;;
  esac
}
apt_pkgs=(chromium ripgrep libkrb5-dev neovim)
missing=()
for p in "${apt_pkgs[@]}"; do has "$p" || missing+=("$p"); done
# When it cannot install them, it says in one line what to run instead, and fails.
cannot() {
  log "cannot install ${missing[*]} ($1): ${*:2}, then run npm test again" \
    "(npm run test:unit runs the tests without a browser)"
  exit 1
}
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || cannot "no apt-get: not Debian or Ubuntu" \
    "install Chromium (as /usr/bin/chromium, or set REFCOUNT_LENS_CHROMIUM), ripgrep," \
    "the Kerberos headers and Neovim with your package manager"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null ||
      cannot "not root, and no sudo without a password" "run once as root: sudo bash scripts/setup-e2e.sh"
    SUDO=(sudo -n)
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q "${missing[@]}"
else
  log "Debian packages already installed: ${apt_pkgs[*]}"
fi

# ---- code-server ------------------------------------------------------------------------
if [ -f "$MARKER" ] && [ -x "$CS_BIN" ]; then
  log "code-server $CS_VERSION already installed"
else
  command -v npm >/dev/null || { log "npm not found"; exit 1; }
  # node-gyp builds code-server's native modules against the running node's own headers
  # (PREFIX/include/node: Debian's /usr, nvm's and nodesource's prefixes alike), never downloads them
  node_prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
  [ -f "$node_prefix/include/node/node.h" ] ||
    log "warning: $node_prefix/include/node missing; node-gyp may try to download headers"
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64|arm64) rg_target=aarch64-unknown-linux-musl ;;
    *) log "unsupported architecture $(uname -m)"; exit 1 ;;
  esac
  # A half-finished earlier attempt has no marker: start it over.
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR" "$CACHE"
  work_tmp=$(mktemp -d "$CACHE/install-tmp.XXXXXX")
  trap 'rm -rf "$work_tmp"' EXIT
  # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable here) unless this
  # tarball is already in its cache under $TMPDIR: put Debian's rg there.
  rg_cache="$work_tmp/vscode-ripgrep-cache-$RG_PKG_VERSION"
  mkdir -p "$rg_cache" "$work_tmp/rgbin"
  cp "$(command -v rg)" "$work_tmp/rgbin/rg"
  tar czf "$rg_cache/ripgrep-$RG_BIN_VERSION-$rg_target.tar.gz" -C "$work_tmp/rgbin" rg
  log "installing code-server@$CS_VERSION into $CS_DIR (takes about a minute)"
  # nodedir: the headers above;
  # unsafe_perm: code-server's postinstall refuses to run as root otherwise;
  # yes: node-pty's postinstall runs `npx node-gyp`, which would stop at npx's prompt.
  TMPDIR="$work_tmp" \
  npm_config_nodedir="$node_prefix" \
  npm_config_unsafe_perm=true \
  npm_config_yes=true \
  npm_config_fund=false \
  npm_config_audit=false \
  npm_config_update_notifier=false \
    npm install --prefix "$CS_DIR" --no-save "code-server@$CS_VERSION"
  got=$(cs_version)
  if [ "${got%% *}" != "$CS_VERSION" ]; then
    log "code-server did not install correctly (--version said: '$got')"; exit 1
  fi
  # Its postinstall (npm install in lib/vscode) must have built node-pty and unpacked rg.
  vsc="$CS_DIR/node_modules/code-server/lib/vscode"
  for f in node_modules/node-pty/build/Release/pty.node node_modules/@vscode/ripgrep/bin/rg node_modules.asar; do
    [ -e "$vsc/$f" ] || { log "code-server's postinstall did not produce lib/vscode/$f"; exit 1; }
  done
  date -u +%FT%TZ > "$MARKER"
fi

# ---- where things are -------------------------------------------------------------------
log "code-server: $CS_BIN ($(cs_version))"
log "chromium:    $(command -v chromium) ($(chromium --version 2>/dev/null || echo '?'))"
log "ripgrep:     $(command -v rg)"
log "neovim:      $(command -v nvim)"
log "cache:       $CACHE (override with REFCOUNT_LENS_CACHE)"
log "done in $(( $(date +%s) - t0 )) s"
