# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/onramp ./cmd/onramp

# A static binary on distroless: no shell, no package manager, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/onramp /usr/local/bin/onramp
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["onramp"]
CMD ["serve"]
