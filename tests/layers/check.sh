#!/bin/sh
# The layering of DESIGN.md, checked over every #include "..." in a source tree:
#   main.cpp > cli > render > core > config > sys > base
# (C files too: the BPF program src/sys/bpf/sock_ops.bpf.c and its abi.h sit in sys)
# An include may point into its own folder or a lower one, never up; a folder missing from the
# list fails too, so a new one has to be given its place. Strict ranks also rule out folder cycles.
# Usage: check.sh SRC_DIR   (exit 0 clean, 1 with one line per offending include)
set -eu
src=${1:?usage: check.sh SRC_DIR}
cd "$src"
find . -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.hpp.in' -o -name '*.h' -o -name '*.c' \) | sort |
  xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' |
  awk '
    BEGIN {
      n = split("base sys config core render cli", order, " ")
      for (i = 1; i <= n; i++) rank[order[i]] = i
      rank["version.hpp"] = 0  # generated from version.hpp.in: vocabulary, below everything
      rank["main.cpp"] = n + 1
      bad = 0
    }
    function layer(path,   parts) {
      sub(/^\.\//, "", path)
      split(path, parts, "/")
      return parts[1]
    }
    {
      file = $0; sub(/:.*/, "", file)
      line = $0; sub(/^[^:]*:/, "", line); lineno = line; sub(/:.*/, "", lineno)
      target = line; sub(/^[^"]*"/, "", target); sub(/".*/, "", target)
      from = layer(file); to = layer(target)
      if (!(from in rank)) { printf "%s: folder %s has no place in the layering\n", file, from; bad = 1; next }
      if (!(to in rank)) { printf "%s:%s: includes %s, in no known layer\n", file, lineno, target; bad = 1; next }
      if (rank[to] > rank[from]) {
        printf "%s:%s: %s includes %s, a layer above it\n", file, lineno, from, target; bad = 1
      }
    }
    END { exit bad }
  '
