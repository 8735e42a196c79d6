#!/usr/bin/env bash
# Executes the matrix `wbuildc plan` writes, level by level, with buildah: what
# a CI system's fan-out does (GitLab child pipeline, Jenkins parallel stages,
# GitHub Actions matrix), on one machine. A reference for CI integrations and
# what the end-to-end suite runs (docs/operations.md).
#
#   scripts/run-matrix.sh PLAN_DIR [--layouts DIR]
#
# Jobs of one level run one after the other here (a farm runs them in
# parallel). A job whose `needs` failed or was skipped is skipped, never built
# on a stale parent. Base jobs run `wbuildc base build` into DIR/<id> (default
# PLAN_DIR/layouts) and load the image into buildah under its reference;
# variant jobs run `buildah bud` with the job's Dockerfile, stage, tag and labels;
# test jobs also run the image (its command is the test).
#
# Prints one line per job (`ok ID`, `FAIL ID`, `skip ID (needs …)`) and exits
# non-zero when any job failed or was skipped. Needs wbuildc, buildah and
# python3 on PATH.
set -euo pipefail

PLAN=${1:?usage: run-matrix.sh PLAN_DIR [--layouts DIR]}
shift
LAYOUTS=$PLAN/layouts
while [ $# -gt 0 ]; do
  case "$1" in
    --layouts) LAYOUTS=$2; shift 2 ;;
    *) echo "run-matrix.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
MATRIX=$PLAN/matrix.json
[ -s "$MATRIX" ] || { echo "run-matrix.sh: no $MATRIX" >&2; exit 2; }

# One tab-separated line per job, in matrix order:
# id kind role file variant image context dockerfile stage reference needs(comma)
# A variant job's labels go to PLAN_DIR/ID.labels, NUL-separated KEY=VALUE.
jobs=$(python3 - "$MATRIX" "$PLAN" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
for level in m["levels"]:
    for j in level:
        if j["kind"] == "variant":
            with open(os.path.join(sys.argv[2], j["id"] + ".labels"), "w") as f:
                f.write("".join(f"{k}={v}\0" for k, v in sorted(j.get("labels", {}).items())))
        print("\t".join([
            j["id"], j["kind"], j.get("role") or "-", j.get("file") or "-",
            j.get("variant") or "-", j.get("image") or "-", j.get("context") or "-",
            j.get("dockerfile") or "-", j.get("stage") or "-", j.get("reference") or "-",
            ",".join(j["needs"]) or "-",
        ]))
PY
)
EPOCH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source_date_epoch"])' "$MATRIX")

declare -A state
failed=0
while IFS=$'\t' read -r id kind role file variant image context dockerfile stage reference needs; do
  [ -n "$id" ] || continue
  blocked=""
  if [ "$needs" != "-" ]; then
    IFS=, read -ra deps <<< "$needs"
    for dep in "${deps[@]}"; do
      [ "${state[$dep]:-}" = ok ] || blocked="$blocked $dep"
    done
  fi
  if [ -n "$blocked" ]; then
    state[$id]=skipped
    failed=1
    echo "skip $id (needs$blocked)"
    continue
  fi
  log=$PLAN/$id.log
  case "$kind" in
    base)
      run() {
        wbuildc base build "$file" --output "oci:$LAYOUTS/$id" --source-date-epoch "$EPOCH" &&
          img=$(buildah pull --quiet "oci:$LAYOUTS/$id:$reference") &&
          buildah tag "$img" "$reference"
      }
      ;;
    variant)
      run() {
        local ignore=() labels=() label
        [ -f "$context/$dockerfile.dockerignore" ] && ignore=(--ignorefile "$context/$dockerfile.dockerignore")
        while IFS= read -r -d '' label; do labels+=(--label "$label"); done < "$PLAN/$id.labels"
        buildah bud --quiet --layers --pull-never --timestamp "$EPOCH" "${ignore[@]}" "${labels[@]}" \
          --build-arg "SOURCE_DATE_EPOCH=$EPOCH" \
          -f "$context/$dockerfile" --target "$stage" -t "$image" "$context" >/dev/null || return 1
        [ "$role" = test ] || return 0
        # The test variant's entrypoint and command are the test.
        local argv=() ctr rc
        mapfile -t argv < <(buildah inspect --type image "$image" | python3 -c '
import json, sys
c = json.load(sys.stdin)["OCIv1"]["config"]
print("\n".join((c.get("Entrypoint") or []) + (c.get("Cmd") or [])))')
        ctr=$(buildah from --pull-never "$image") || return 1
        buildah run "$ctr" -- "${argv[@]}"
        rc=$?
        buildah rm "$ctr" >/dev/null 2>&1 || true
        return $rc
      }
      ;;
    *)
      echo "run-matrix.sh: job $id has unknown kind $kind" >&2
      exit 2
      ;;
  esac
  if run > "$log" 2>&1; then
    state[$id]=ok
    echo "ok   $id"
  else
    state[$id]=failed
    failed=1
    echo "FAIL $id (log: $log)"
  fi
done <<< "$jobs"
exit $failed
