#!/usr/bin/env bash
# Issue 14: the crate is ready to publish.
#  1. `cargo package --list`: the package holds what Cargo.toml's `include` names (library
#     source, the font the `plot` feature embeds, docs, README, CHANGELOG) and nothing of the
#     datasets, tests, examples, firmware, fuzz targets, scripts or tools. Fails on any file
#     outside that list or above MAX_FILE_KB; prints the file count and compressed size.
#  2. `cargo publish --dry-run`: packages the crate and builds it from the package alone
#     (the library with default features; tests, examples and benches are not in the
#     package, so cargo drops those targets and says so). `--allow-dirty` only when a
#     packaged file has uncommitted changes (a local run), never on a clean checkout.
#  3. `cargo doc --all-features --no-deps` with warnings as errors: what docs.rs builds
#     (package.metadata.docs.rs), minus nightly's `--cfg docsrs`.
# Budget: under a minute with a warm target directory (the package build is small).
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '20-publish: %s\n' "$*" >&2; }
MAX_FILE_KB=${MAX_FILE_KB:-1024}
start=$SECONDS

# --- 1. what is in the package ------------------------------------------------------------
list=$(cargo package --list --allow-dirty --quiet 2>/dev/null)
unexpected=$(grep -vE '^(src/.*\.rs|data/fonts/(DejaVuSans\.ttf|LICENSE)|docs/[A-Z0-9]+\.md|README\.md|CHANGELOG\.md|Cargo\.(toml|toml\.orig|lock)|\.cargo_vcs_info\.json)$' <<<"$list" || true)
if [ -n "$unexpected" ]; then
  log "FAIL: files in the package that Cargo.toml's include should leave out:"
  sed 's/^/    /' <<<"$unexpected" >&2
  exit 1
fi
big=$(while read -r f; do
  [ -f "$f" ] && (($(stat -c %s "$f") > MAX_FILE_KB * 1024)) && echo "$f"
done <<<"$list" || true)
[ -z "$big" ] || { log "FAIL: files over $MAX_FILE_KB KB in the package: $big"; exit 1; }
log "package holds $(wc -l <<<"$list") files:"
sed 's/^/    /' <<<"$list" >&2

# --- 2. cargo publish --dry-run -------------------------------------------------------------
dirty=()
# shellcheck disable=SC2046 # one argument per packaged file (no spaces in their names)
if git rev-parse --git-dir >/dev/null 2>&1 &&
   [ -n "$(git status --porcelain -- $(grep -v -e '^Cargo.toml.orig$' -e '^.cargo_vcs_info.json$' <<<"$list"))" ]; then
  dirty=(--allow-dirty)
  log "note: packaged files have uncommitted changes; dry run with --allow-dirty"
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo publish --dry-run "${dirty[@]}" 2>&1 | tee "$out" | grep -v '^warning: ignoring ' || true
grep -q 'aborting upload due to dry run' "$out" ||
  { log "FAIL: cargo publish --dry-run did not complete"; tail -n 20 "$out" >&2; exit 1; }
log "$(grep -o 'Packaged .*' "$out" | tail -n 1)" \
    "($(grep -c '^warning: ignoring ' "$out") test/example/bench targets left out, as intended)"

# --- 3. the documentation docs.rs builds ------------------------------------------------------
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --all-features --no-deps
log "cargo doc --all-features: no warnings; done in $((SECONDS - start)) s"
