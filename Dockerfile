# Build: the same flags the tests use for the binary they exercise
# (cmd/station/binary_test.go checks that they stay equal).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/station ./cmd/station

# Run: a static binary on a minimal, non-root base.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/station /usr/local/bin/station
ENV STATION_DATA=/data \
    STATION_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/station", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/station"]
CMD ["serve"]
