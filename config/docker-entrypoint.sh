#!/bin/sh
# The image's entry point. With no arguments it serves /etc/chimera.json when
# one is mounted (docker run -v $PWD/my.json:/etc/chimera.json IMAGE), else
# the image's own config, config/docker.json: every interface, NFS exports to
# every client, S3 keys from CHIMERA_S3_ACCESS_KEY / CHIMERA_S3_SECRET_KEY (a
# random pair, printed once, when they are not given: never a well-known
# one). With arguments it runs chimera with them ("check --config ...").
# CHIMERA_HOME (default /opt/chimera, the build tree), CHIMERA_CONFIG
# (default /etc/chimera.json) and CHIMERA_DEFAULT_CONFIG (default
# /usr/local/share/chimera/docker.json) exist so the script can be tested
# outside an image.
set -eu
home="${CHIMERA_HOME:-/opt/chimera}"
config="${CHIMERA_CONFIG:-/etc/chimera.json}"
image_config="${CHIMERA_DEFAULT_CONFIG:-/usr/local/share/chimera/docker.json}"

random_hex() {
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

if [ "$#" -eq 0 ]; then
    if [ ! -e "$config" ] && [ -r "$image_config" ]; then
        config="$image_config"
        if [ -z "${CHIMERA_S3_ACCESS_KEY:-}" ] || [ -z "${CHIMERA_S3_SECRET_KEY:-}" ]; then
            CHIMERA_S3_ACCESS_KEY="CHIMERA$(random_hex 8 | tr 'a-f' 'A-F')"
            CHIMERA_S3_SECRET_KEY="$(random_hex 20)"
            echo "chimera-entrypoint: no CHIMERA_S3_ACCESS_KEY / CHIMERA_S3_SECRET_KEY given; this container's S3 keys: access key $CHIMERA_S3_ACCESS_KEY secret key $CHIMERA_S3_SECRET_KEY" >&2
        fi
        export CHIMERA_S3_ACCESS_KEY CHIMERA_S3_SECRET_KEY
    fi
    if [ ! -r "$config" ]; then
        echo "chimera: $config: no config (mount one: -v \$PWD/chimera.json:$config)" >&2
        exit 78
    fi
    exec "$home/bin/chimera" serve --config "$config"
fi
exec "$home/bin/chimera" "$@"
