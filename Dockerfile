# Chimera: build and serve config/default.json.
#   docker build -t chimera .
#   docker run --rm -p 2049:2049 -p 9000:9000 chimera
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
COPY config/default.json /etc/chimera/config.json
RUN mkdir -p /tmp/chimera/linux
EXPOSE 2049 20048 111 9000 9464
ENTRYPOINT ["/opt/chimera/bin/chimera"]
CMD ["serve", "--config", "/etc/chimera/config.json"]
