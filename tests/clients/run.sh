#!/usr/bin/env bash
# Entry point of the real-client tests: installs the pinned npm clients, then runs fake Google, gateway and clients
# together inside a loopback-only network namespace with the Node loopback guard preloaded.
#
# Usage: tests/clients/run.sh [test-file ...]   (default: every tests/clients/*.test.mjs)
# Env:   GCLI_GATEWAY_BIN (gateway binary, default build/src/app/gcli-gateway; read by tests/lib/harness.mjs),
#        GUARD_LOG (file where the loopback guard logs what it blocked), CLIENT_TESTS_SKIP_INSTALL=1 (trust
#        node_modules as it is).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
guard="$(cd "$root/.." && pwd)/shared/tools/loopback-guard.cjs"

die() { echo "tests/clients/run.sh: $*" >&2; exit 2; }

command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
command -v unshare >/dev/null || die "unshare not found (util-linux; scripts/setup.sh installs it)"
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || die "ip not found (iproute2; scripts/setup.sh installs it)"
[ -f "$guard" ] || die "loopback guard not found at $guard (shared/ must sit beside the repository)"

# npm ci only when node_modules does not match the committed lockfile (and this node), so reruns are quick.
stamp="$here/node_modules/.gw-install-stamp"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) node-$(node --version)"
if [ "${CLIENT_TESTS_SKIP_INSTALL:-0}" != 1 ]; then
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -e "$here/node_modules/.bin/gemini" ] \
     || [ ! -e "$here/node_modules/.bin/claude" ]; then
    echo "tests/clients: npm ci (lockfile changed or node_modules missing)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    echo "$want" > "$stamp"
  fi
fi

# Test files, relative to the repository root (node 20's runner takes files, not directories).
files=()
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  for f in "$here"/*.test.mjs; do files+=("tests/clients/$(basename "$f")"); done
fi
[ "${#files[@]}" -gt 0 ] || die "no test files"

# Root can make a network namespace directly; anyone else needs a user namespace around it.
ns=(unshare --net)
if [ "$(id -u)" != 0 ]; then ns=(unshare --user --map-root-user --net); fi

export GW_REPO_ROOT="$root"
export GW_LOOPBACK_GUARD="$guard"
# The whole fake + gateway + client set runs inside the namespace, where only 127.0.0.1/::1 exist. The guard is the
# second fence: it fails any non-loopback DNS name at once instead of letting a client wait for a resolver.
set +e
cd "$root"
"${ns[@]}" bash -c '
  set -e
  PATH="$PATH:/usr/sbin:/sbin"
  ip link set lo up
  export NODE_OPTIONS="--require $GW_LOOPBACK_GUARD${NODE_OPTIONS:+ $NODE_OPTIONS}"
  exec node --test --test-reporter=spec --test-timeout=300000 "$@"
' run-client-tests "${files[@]}"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then echo "tests/clients: FAILED (exit $rc)" >&2; fi
exit "$rc"
