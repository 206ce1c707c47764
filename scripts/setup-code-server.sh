#!/usr/bin/env bash
# Installs code-server (VS Code 1.96, runs on Node 20) into a cache folder without any network
# access except the npm registry, following DESIGN.md §7. Idempotent: a marker file makes a second
# run return at once. Usage: bash scripts/setup-code-server.sh   (prints the install folder last)
#   SENTENCE_LENS_CACHE   cache root (default: <repo>/.cache)
set -euo pipefail

VERSION=4.96.4
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SENTENCE_LENS_CACHE:-$REPO/.cache}
DEST=$CACHE/code-server-$VERSION
MARKER=$DEST/.sentence-lens-installed
start=$SECONDS

if [[ -f $MARKER ]]; then
  echo "code-server $VERSION already installed in $DEST (0s)"
  exit 0
fi

log() { echo "[setup-code-server +$((SECONDS - start))s] $*"; }

# The project's .npmrc and env must not leak into these installs, and native modules must build
# against the local Node headers (node-gyp would otherwise download them from nodejs.org).
export npm_config_userconfig=/dev/null
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=warn
if [[ -z ${npm_config_nodedir:-} ]]; then
  nodeprefix=$(node -p 'process.execPath.replace(/\/bin\/node$/, "")')
  if [[ -f $nodeprefix/include/node/node.h ]]; then export npm_config_nodedir=$nodeprefix; fi
fi

# Start from scratch if an earlier run was interrupted.
rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$DEST.tmp"
cd "$DEST.tmp"

log "npm pack code-server@$VERSION"
tgz=$(npm pack "code-server@$VERSION" --silent | tail -n 1)
tar -xzf "$tgz" --strip-components=1
rm -f "$tgz"

log "lib/vscode: npm install"
cd lib/vscode
rm -f npm-shrinkwrap.json .npmrc
npm install --omit=dev --ignore-scripts --no-save
log "lib/vscode: npm rebuild native modules"
npm rebuild --foreground-scripts node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid
ln -sfn node_modules node_modules.asar

log "lib/vscode/extensions: npm install"
(cd extensions && rm -f .npmrc && npm install --omit=dev --ignore-scripts --no-save)

log "root: npm install + rebuild argon2"
cd "$DEST.tmp"
npm install --omit=dev --ignore-scripts --no-save
npm rebuild --foreground-scripts --build-from-source argon2

# Check that the native modules really load (npm may skip install scripts silently).
log "checking native modules"
node -e '
  const path = require("path");
  const vs = path.resolve("lib/vscode/node_modules");
  const mods = [
    [vs, "node-pty"], [vs, "@parcel/watcher"], [vs, "@vscode/spdlog"],
    [vs, "native-watchdog"], [vs, "@vscode/deviceid"], [path.resolve("node_modules"), "argon2"],
  ];
  let bad = 0;
  for (const [dir, m] of mods) {
    try { require(require.resolve(m, { paths: [dir] })); console.log("  ok   " + m); }
    catch (e) { bad++; console.log("  FAIL " + m + ": " + String(e.message).split("\n")[0]); }
  }
  process.exit(bad ? 1 : 0);
'

cd "$CACHE"
mv "$DEST.tmp" "$DEST"
date -u +%FT%TZ > "$MARKER"
log "code-server $VERSION installed in $DEST ($((SECONDS - start))s)"
