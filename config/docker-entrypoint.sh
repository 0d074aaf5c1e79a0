#!/bin/sh
# The image's entry point: with no arguments, serve /etc/chimera.json (mount
# your config there: docker run -v $PWD/my.json:/etc/chimera.json IMAGE);
# with arguments, run chimera with them (e.g. "check --config /etc/chimera.json").
# CHIMERA_HOME (default /opt/chimera, the build tree) and CHIMERA_CONFIG
# (default /etc/chimera.json) exist so the script can be tested outside an image.
set -eu
home="${CHIMERA_HOME:-/opt/chimera}"
config="${CHIMERA_CONFIG:-/etc/chimera.json}"
if [ "$#" -eq 0 ]; then
    if [ ! -r "$config" ]; then
        echo "chimera: $config: no config (mount one: -v \$PWD/chimera.json:$config)" >&2
        exit 78
    fi
    exec "$home/bin/chimera" serve --config "$config"
fi
exec "$home/bin/chimera" "$@"
