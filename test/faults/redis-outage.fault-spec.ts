import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../helpers/test-app';
import { adminToken, Answer, call, createMerchant, eventually, traffic } from './support/api';
import { Figures, reportFigures } from './support/figures';
import { deploymentEnv, PaygateProcess } from './support/paygate-process';

/**
 * The shared rate-limit store crashes (a Redis server of the test's own, killed with SIGKILL)
 * and comes back. Meanwhile requests are served, promptly and unlimited, and the outage is
 * logged once; afterwards the limits apply again without restarting paygate.
 */
const LIMIT_PER_SECOND = 5;

describe('Redis (the shared rate-limit store) killed and restarted', () => {
  let dir: string;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let paygate: PaygateProcess | undefined;

  const startRedis = async () => {
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: dir, stdio: 'ignore' },
    );
    const child = redis;
    process.once('exit', () => child.kill('SIGKILL'));
    await eventually(() => pingRedis(redisPort), 10_000, 'redis-server to accept connections');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paygate-faults-redis-'));
    redisPort = await freePort();
    await startRedis();
  });

  afterAll(async () => {
    await paygate?.stop();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves unlimited while Redis is gone, says so once, and limits again when it is back', async () => {
    const calls = traffic.since();
    const figures: Figures = {
      sent: 0,
      answered2xx: 0,
      failedAsExpected: 0,
      lost: 0,
      expected: {},
    };
    paygate = await PaygateProcess.start('limited', {
      ...deploymentEnv(`sqlite:${join(dir, 'paygate.sqlite')}`),
      LOG_LEVEL: 'info',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_KEY_PREFIX: 'paygate-faults:',
      RATE_LIMIT_PER_SECOND: String(LIMIT_PER_SECOND),
    });
    const url = paygate.url;
    const admin = await adminToken(url);

    /** 2 × the limit from a fresh credential, back to back; retried if stretched past 1 s. */
    const burst = async (label: string): Promise<Answer[]> => {
      for (let round = 1; ; round++) {
        const merchant = await createMerchant(url, admin, { name: `${label} ${round}` });
        const started = Date.now();
        const answers: Answer[] = [];
        for (let i = 0; i < 2 * LIMIT_PER_SECOND; i++)
          answers.push(await call(url, 'GET', '/v1/merchants/me', { token: merchant.token }));
        if (Date.now() - started <= 800 || round === 3) return answers;
      }
    };
    const limited = [
      ...Array<number>(LIMIT_PER_SECOND).fill(200),
      ...Array<number>(LIMIT_PER_SECOND).fill(429),
    ];

    expect((await burst('before')).map((a) => a.status)).toEqual(limited);

    redis!.kill('SIGKILL');
    const during = await burst('during');
    expect(during.map((a) => a.status)).toEqual(Array<number>(2 * LIMIT_PER_SECOND).fill(200));
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(1000);
    const unreachable = () =>
      paygate!
        .output()
        .split('\n')
        .filter((l) => l.includes('rate-limit store (Redis) unreachable'));
    expect(unreachable()).toHaveLength(1);

    await startRedis();
    await eventually(
      async () => paygate!.output().includes('rate-limit store reachable again'),
      15_000,
      'paygate to reconnect to Redis',
    );
    expect((await burst('after')).map((a) => a.status)).toEqual(limited);
    expect(unreachable()).toHaveLength(1);
    expect(paygate.exitStatus).toBeUndefined();

    figures.sent = calls.sent();
    figures.answered2xx = calls.count((s) => s >= 200 && s < 300);
    figures.failedAsExpected = calls.count((s) => s === 429);
    figures.expected = { '429 rate_limited while Redis was up': figures.failedAsExpected };
    // a request the outage cost (an error, a 5xx, a hang) would be lost service
    figures.lost = calls.count((s) => s === 0 || s >= 500);
    figures.notes = { limited_during_outage: during.filter((a) => a.status === 429).length };
    reportFigures('redis-restart', figures);
    expect(figures.lost).toBe(0);
  });
});

/** True when a Redis server answers PING on `port`. */
function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}
