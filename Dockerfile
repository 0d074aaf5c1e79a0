# Chimera: the tree `make build` makes, serving /etc/chimera.json.
#   docker build -t chimera .
#   docker run --rm -v $PWD/my.json:/etc/chimera.json -p 2049:2049 -p 9000:9000 chimera
# Without a mounted config the image serves config/docker.json: every
# interface (config/default.json, for `make run`, binds 127.0.0.1, which no
# one outside a container reaches), memfs and /srv/chimera/linux over NFS to
# every client and over S3 with keys from -e CHIMERA_S3_ACCESS_KEY=...
# -e CHIMERA_S3_SECRET_KEY=... (or a random pair the log shows).
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends make
WORKDIR /src
COPY . .
RUN make build

FROM swift:6.3-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends liburing2 libjson-c5 liburcu8 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build /opt/chimera
COPY config/docker.json /usr/local/share/chimera/docker.json
COPY config/docker-entrypoint.sh /usr/local/bin/chimera-entrypoint
RUN mkdir -p /srv/chimera/linux
EXPOSE 2049 20048 111 9000 9464
ENTRYPOINT ["/usr/local/bin/chimera-entrypoint"]
