import { AddressInfo, createServer } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, CreateAppOptions } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { ContractRecorder } from './contract';
import { createScratchDatabase, ScratchDatabase } from './scratch-database';

export const ADMIN_CLIENT_ID = 'adm_test_bootstrap';
export const ADMIN_CLIENT_SECRET = 'test-admin-secret-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the running server, e.g. http://127.0.0.1:41234 */
  url: string;
  http: ReturnType<typeof request>;
  database: ScratchDatabase;
  dataSource: DataSource;
  /** Every response this app sent, checked against openapi.json after the file's tests. */
  contract: ContractRecorder;
  /** A token for the bootstrap admin. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** A free port on loopback, so PUBLIC_BASE_URL can name the port before the server starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real application on a real port and a scratch database of its own. `env` overrides the
 * test defaults (the same variables an operator sets).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  database?: ScratchDatabase,
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const db = database ?? (await createScratchDatabase());
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BOOTSTRAP_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    SQLITE_BUSY_TIMEOUT_MS: '2000',
    JOBS_ENABLED: 'false',
    // every test client connects from loopback, as clients behind a proxy do: the connection
    // cap per address is on where a test is about it
    MAX_CONNECTIONS_PER_ADDRESS: '0',
    ...env,
  });
  const contract = new ContractRecorder();
  const observe = options.observeResponse;
  const app = await createApp(config, {
    ...options,
    observeResponse: (response) => {
      contract.record(response);
      observe?.(response);
    },
  });
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  let token: string | undefined;
  return {
    app,
    url,
    http: request(url),
    database: db,
    dataSource: app.get(DataSource),
    contract,
    adminToken: async () => {
      token ??= await getToken(url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
      return token;
    },
    close: async () => {
      await app.close();
      if (!database) await db.drop();
    },
  };
}

export async function getToken(
  url: string,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const res = await request(url)
    .post('/v1/auth/token')
    .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  if (res.status !== 200)
    throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: { access_token: string } }).data.access_token;
}

export interface TestMerchant {
  sourceId: number;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  token: string;
}

/** Creates a merchant through the API, as an operator would, and logs it in. */
export async function createMerchant(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<TestMerchant> {
  const res = await t.http
    .post('/v1/merchants')
    .set('authorization', `Bearer ${await t.adminToken()}`)
    .send({ name: 'Test Shop', ...body });
  if (res.status !== 201)
    throw new Error(`merchant create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const data = (res.body as { data: Record<string, string | number> }).data;
  const merchant = {
    sourceId: data.source_id as number,
    clientId: data.client_id as string,
    clientSecret: data.client_secret as string,
    webhookSecret: data.webhook_secret as string,
  };
  return { ...merchant, token: await getToken(t.url, merchant.clientId, merchant.clientSecret) };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
