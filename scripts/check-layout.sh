#!/usr/bin/env bash
# The architecture's boundary: pure libraries (core, schema, sse, translate, models, the pure half
# of credentials and upstream/proto) include no Asio, Beast or OpenSSL header.
set -u
root=${1:-.}
pat='#include\s*[<"](boost/(asio|beast)|openssl/)'
bad=0
for d in core schema sse translate models upstream/proto; do
  [ -d "$root/src/$d" ] || continue
  grep -rnE "$pat" "$root/src/$d" && bad=1
done
# credentials/ is pure except its io/ folder
grep -rnE "$pat" --exclude-dir=io "$root/src/credentials" && bad=1
if [ $bad = 0 ]; then echo "layout: pure libraries include no I/O headers"; else echo "layout: I/O header in a pure library"; fi
exit $bad
