# syntax=docker/dockerfile:1
# Build: compiles TypeScript and better-sqlite3's native addon, then drops dev dependencies.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: no compilers, no sources, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json CHANGELOG.md ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# as npm run start:prod: a bounded heap (V8 otherwise lets garbage pile up to several hundred MB
# under load) and no allocation-site pretenuring (it moved per-request objects straight to the
# old generation, which made every scavenge and mark-compact slower: README, Performance)
CMD ["node", "--max-old-space-size=256", "--no-allocation-site-pretenuring", "dist/main.js"]
