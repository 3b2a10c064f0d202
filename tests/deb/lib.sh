# What the Debian package lane's scripts share. Sourced from the repository root:
#
#   . tests/deb/lib.sh PREFIX      say/die with PREFIX, step timings (done_step, step),
#                                  find_package
# shellcheck shell=bash

lane_prefix=$1
say() { echo "$lane_prefix: $*" >&2; }
die() {
    echo "$lane_prefix: error: $*" >&2
    exit 1
}

# shellcheck disable=SC2034 # started and timings are read by the scripts that source this
# Step timings, for the summary line (`say "steps: ${timings[*]}; ..."`).
started=$SECONDS
step_started=$SECONDS
timings=()
done_step() {
    timings+=("$1 $((SECONDS - step_started))s")
    step_started=$SECONDS
}
# step NAME COMMAND...: runs COMMAND as the step NAME, timed; its failure ends the script.
step() {
    local name=$1
    shift
    step_started=$SECONDS
    "$@" || die "$name failed (above); steps so far: ${timings[*]}"
    done_step "$name"
}

# Sets `deb` to the package to test: ARG when given, else the one package `make deb` left
# in target/deb.
find_package() {
    deb=${1:-}
    if [ -z "$deb" ]; then
        local debs=(target/deb/cgtools_*_amd64.deb)
        [ -f "${debs[0]}" ] || die "no package in target/deb: run \`make deb\` first (or name the .deb)"
        [ ${#debs[@]} = 1 ] || die "several packages in target/deb (${debs[*]}): name one"
        deb=${debs[0]}
    fi
    [ -f "$deb" ] || die "$deb: no such package"
}
