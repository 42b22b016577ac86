# paygate's image: docs/deployment.md. Built and run by `npm run test:containers` (CI).
#
# Build: the project's own `npm run build` (the server, then the web console into dist/public/console), then only the files the build loads at run time
# (scripts/runtime-files.ts traces them: about 40 MB instead of 440 MB of node_modules).
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native addon during npm ci
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# the web console is an npm workspace of the root package: its manifest joins the one install
COPY console/package.json console/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
  && npx ts-node --transpile-only scripts/runtime-files.ts /runtime

# Run: Debian slim with Node's binary from the build stage (no npm, no compilers, no headers);
# the application's files belong to root and are read-only to the user it runs as.
FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/node /usr/local/bin/node
RUN groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --no-create-home --home-dir /app --shell /usr/sbin/nologin node \
  && install -d -o node -g node -m 0750 /app/data
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /runtime/ ./
USER node
# /app/data holds the SQLite database (the default DATABASE_URL): mount a volume on it. No
# VOLUME instruction, so that instances on PostgreSQL get no anonymous volume they never use.
EXPOSE 3000
# the first probe runs one interval after start; start-up takes a few seconds (migrations
# included), so an instance is healthy well within the start period
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# as npm run start:prod: a bounded heap (V8 otherwise lets garbage pile up to several hundred MB
# under load) and no allocation-site pretenuring (it moved per-request objects straight to the
# old generation, which made every scavenge and mark-compact slower: docs/performance.md).
# SIGTERM stops it gracefully within SHUTDOWN_TIMEOUT_MS (10 s): give `docker stop` more (-t 15).
CMD ["node", "--max-old-space-size=256", "--no-allocation-site-pretenuring", "dist/main.js"]
