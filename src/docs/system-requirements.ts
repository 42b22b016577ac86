/**
 * 系统需求: what running paygate takes. The README's "System requirements" section carries the
 * same lines (test/docs.e2e-spec.ts keeps them equal), and `/reference` shows them in 简介.
 */
export const SYSTEM_REQUIREMENTS = `- Node.js 20.19 or later (tested on 20.20) and npm 10 or later.
- A C++ toolchain (\`python3\`, \`make\`, \`g++\`) the first time: \`better-sqlite3\` compiles its
  native addon during \`npm install\`.
- Production: PostgreSQL 13 or later (tested on 15). SQLite, embedded, is for development,
  demos and a single instance.
- Memory: about 215 MB per instance once started, up to about 240 MB under full load
  (\`npm run start:prod\` bounds V8's old space at 256 MB).`;
