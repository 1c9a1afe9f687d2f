# syntax=docker/dockerfile:1
# One image for every PFF role: `pff api`, `pff scheduler`, `pff worker`, or `pff serve`
# (the default). Build: docker build -t pff:dev .   (README, "Deploy on Kubernetes")
ARG NODE_VERSION=20

# --- build: install production dependencies, including the native TensorFlow backend ---
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY libs ./libs
COPY services ./services
# @tensorflow/tfjs-node is optional (it downloads libtensorflow while installing, which
# some machines cannot). On x86_64, the only Linux it ships for, the image must have it,
# so the build fails without it; elsewhere (arm64) PFF runs on the wasm backend.
RUN npm ci --omit=dev --include=optional --no-audit --no-fund \
 && if [ "$(uname -m)" = x86_64 ]; then node -e "require('@tensorflow/tfjs-node')"; \
    else echo "no tfjs-node for $(uname -m): PFF_BACKEND=auto will use wasm"; fi \
 && npm cache clean --force

# --- runtime: slim, non-root, tini as PID 1 so SIGTERM reaches node and zombies are reaped ---
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PFF_BACKEND=auto \
    PFF_PORT=8080
WORKDIR /app
COPY --from=build /app /app
# The `node` user of the official image (uid 1000); the code stays owned by root, read-only to it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/pff.mjs"]
CMD ["serve", "--host", "0.0.0.0"]
