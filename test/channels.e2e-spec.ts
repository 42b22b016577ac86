import { ChannelAttemptError, ChannelGateway } from '../src/channels/channel-gateway';
import { ChannelsRepository } from '../src/channels/channels.repository';
import { ChannelHealthRepository } from '../src/channels/health/channel-health.repository';
import { ChannelHealthService } from '../src/channels/health/channel-health.service';
import { SandboxRepository } from '../src/channels/providers/sandbox/sandbox.repository';
import { CreatePaymentRequest } from '../src/channels/providers/payment-provider.port';
import { signPayLink } from '../src/channels/providers/sandbox/sandbox-signing';
import { RouteCandidate } from '../src/channels/routing/route.types';
import { settlementDate } from '../src/common/time';
import { createScratchDatabase, testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

type Json = Record<string, unknown>;

const SECRET = 'sandbox-secret-0123456789-abcd';

function today(): string {
  return settlementDate(Date.now(), 'Asia/Shanghai');
}

function order(orderId: string, amount: number, currency = 'CNY'): CreatePaymentRequest {
  return {
    orderId,
    amount,
    currency,
    subject: 'Test product',
    productId: 'p1',
    description: null,
    expiresAt: Date.now() + 30 * 60_000,
  };
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`channels on ${testEngine()}`, () => {
  let t: TestApp;
  let admin: { authorization: string };
  let merchant: TestMerchant;
  let gateway: ChannelGateway;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_SECOND: '10000',
      CIRCUIT_OPEN_SECONDS: '1',
      CHANNEL_TIMEOUT_MS: '300',
    });
    admin = bearer(await t.adminToken());
    merchant = await createMerchant(t);
    gateway = t.app.get(ChannelGateway);
  });
  afterAll(() => t.close());

  const create = (body: Json) => t.http.post('/v1/channels').set(admin).send(body);
  const channel = async (code: string) =>
    (await t.http.get(`/v1/channels/${code}`).set(admin).expect(200)).body.data as Json;
  const candidateFor = async (code: string, amount: number, currency: string) => {
    const decision = await gateway.route({
      amount,
      currency,
      sourceId: merchant.sourceId,
      channelCode: code,
    });
    const candidate = decision.candidates[0];
    if (!candidate) throw new Error(`${code} is not a candidate: ${JSON.stringify(decision)}`);
    return candidate;
  };
  const attempt = async (candidate: RouteCandidate, request: CreatePaymentRequest) => {
    try {
      return await gateway.createPayment(candidate, request, today());
    } catch (error) {
      if (error instanceof ChannelAttemptError) return error;
      throw error;
    }
  };

  describe('admin API', () => {
    it('adds a channel from JSON with the defaults, secrets masked and sealed at rest', async () => {
      const res = await create({
        code: 'sbx_json',
        name: 'Sandbox JSON',
        provider: 'sandbox',
        config: { secret: SECRET, create_error_rate: 0.25 },
      });
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual({
        code: 'sbx_json',
        name: 'Sandbox JSON',
        provider: 'sandbox',
        enabled: true,
        priority: 0,
        weight: 100,
        fee_rate_bps: 0,
        fixed_fee: 0,
        min_amount: null,
        max_amount: null,
        daily_limit: null,
        currencies: ['CNY'],
        merchants: [],
        config: {
          secret: '****abcd',
          latency_ms: 0,
          create_error_rate: 0.25,
          notify_delay_ms: 0,
          notify_duplicate_rate: 0,
          notify_drop_rate: 0,
        },
        health: { state: 'closed', success_rate: null, consecutive_failures: 0 },
        today_volume: [],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        updated_at: expect.any(String),
        deleted_at: null,
      });
      const rows: { config: string }[] = await t.dataSource.query(
        `SELECT config FROM channels WHERE code = 'sbx_json'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].config).not.toContain(SECRET);
      expect(rows[0].config).not.toContain('0123456789');
      expect(JSON.parse(rows[0].config).secret).toMatch(/^v2:/);
    });

    it('adds a channel from a form body with bracket nesting', async () => {
      const res = await t.http
        .post('/v1/channels')
        .set(admin)
        .type('form')
        .send(
          [
            'code=sbx_form',
            'name=Sandbox%20form',
            'provider=sandbox',
            'enabled=false',
            'priority=-5',
            'weight=10',
            'fee_rate_bps=60',
            'fixed_fee=10',
            'min_amount=100',
            'max_amount=500000',
            'daily_limit=9000000',
            'currencies[]=CNY',
            'currencies[]=USD',
            `merchants[]=${merchant.sourceId}`,
            'config[latency_ms]=5',
            'config[create_error_rate]=0.5',
            'config[seed]=abc',
          ].join('&'),
        );
      expect(res.status).toBe(201);
      const data = res.body.data as Json;
      expect(data).toMatchObject({
        code: 'sbx_form',
        enabled: false,
        priority: -5,
        weight: 10,
        fee_rate_bps: 60,
        fixed_fee: 10,
        min_amount: 100,
        max_amount: 500000,
        daily_limit: 9000000,
        currencies: ['CNY', 'USD'],
        merchants: [merchant.sourceId],
        config: { latency_ms: 5, create_error_rate: 0.5, seed: 'abc' },
      });
      // no secret given: one is generated, and shown masked only
      expect((data.config as Json).secret).toMatch(/^\*{4}[A-Za-z0-9_-]{4}$/);
    });

    it('refuses invalid channels with field errors', async () => {
      const cases: [Json, string, string][] = [
        [{ provider: 'nope' }, 'validation_failed', 'provider'],
        [{ code: 'Bad-Code' }, 'validation_failed', 'code'],
        [{ code: 'route' }, 'validation_failed', 'code'],
        [{ weight: 0 }, 'validation_failed', 'weight'],
        [{ priority: 1.5 }, 'validation_failed', 'priority'],
        [{ fee_rate_bps: 10001 }, 'validation_failed', 'fee_rate_bps'],
        [{ min_amount: 500, max_amount: 100 }, 'validation_failed', 'min_amount'],
        [{ merchants: [999999999] }, 'validation_failed', 'merchants'],
        [{ fixed_fee: 1.5 }, 'invalid_amount', 'fixed_fee'],
        [{ daily_limit: '100' }, 'invalid_amount', 'daily_limit'],
        [{ currencies: ['cny'] }, 'invalid_currency', 'currencies'],
        [{ surprise: true }, 'validation_failed', 'surprise'],
        [{ config: 'text' }, 'validation_failed', 'config'],
      ];
      for (const [change, reason, field] of cases) {
        const res = await create({ code: 'bad_one', name: 'Bad', provider: 'sandbox', ...change });
        expect([res.status, res.body.reason, change]).toEqual([400, reason, change]);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const config = await create({
        code: 'bad_config',
        name: 'Bad',
        provider: 'sandbox',
        config: { latency_ms: -1, create_error_rate: 2, notify_drop_rate: '0.5', bogus: 1 },
      });
      expect(config.status).toBe(400);
      expect(config.body.reason).toBe('validation_failed');
      expect(config.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'config.bogus',
        'config.create_error_rate',
        'config.latency_ms',
        'config.notify_drop_rate',
      ]);
      await t.http.get('/v1/channels/bad_one').set(admin).expect(404);
    });

    it('409 for a code a live channel has', async () => {
      const res = await create({ code: 'sbx_json', name: 'Again', provider: 'sandbox' });
      expect(res.status).toBe(409);
      expect(res.body.reason).toBe('channel_code_taken');
    });

    it('lists live channels with filters and cursor pages', async () => {
      const all = await t.http.get('/v1/channels').set(admin).expect(200);
      const codes = all.body.data.items.map((c: Json) => c.code);
      expect(codes).toEqual(expect.arrayContaining(['sbx_json', 'sbx_form']));
      const disabled = await t.http.get('/v1/channels?enabled=false').set(admin).expect(200);
      expect(disabled.body.data.items.map((c: Json) => c.code)).toEqual(['sbx_form']);
      const none = await t.http.get('/v1/channels?provider=alipay').set(admin).expect(200);
      expect(none.body.data).toEqual({ items: [], next_cursor: null });
      const first = await t.http.get('/v1/channels?limit=1').set(admin).expect(200);
      expect(first.body.data.items).toHaveLength(1);
      const next = await t.http
        .get(`/v1/channels?limit=1&cursor=${first.body.data.next_cursor}`)
        .set(admin)
        .expect(200);
      expect(next.body.data.items[0].code).not.toBe(first.body.data.items[0].code);
      await t.http.get('/v1/channels?colour=red').set(admin).expect(400);
    });

    it('updates any field but code and provider; a masked secret keeps the stored one', async () => {
      const res = await t.http
        .patch('/v1/channels/sbx_json')
        .set(admin)
        .send({
          weight: 300,
          daily_limit: 5000,
          config: { secret: '****abcd', latency_ms: 1, notify_drop_rate: 0.125 },
        });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        weight: 300,
        daily_limit: 5000,
        config: {
          secret: '****abcd',
          latency_ms: 1,
          create_error_rate: 0,
          notify_drop_rate: 0.125,
        },
      });
      // the stored secret is still the original: the sandbox signs pay links with it
      const candidate = await candidateFor('sbx_json', 100, 'CNY');
      const created = await gateway.createPayment(candidate, order('ord_patch', 100), today());
      const link = new URL(created.payUrl as string);
      expect(link.searchParams.get('sig')).toBe(
        signPayLink(SECRET, {
          orderId: 'ord_patch',
          channel: 'sbx_json',
          amount: 100,
          currency: 'CNY',
          expires: Number(link.searchParams.get('expires')),
        }),
      );
      const cleared = await t.http
        .patch('/v1/channels/sbx_json')
        .set(admin)
        .type('form')
        .send('daily_limit=5001&enabled=false');
      expect(cleared.body.data).toMatchObject({ daily_limit: 5001, enabled: false });
      const json = await t.http
        .patch('/v1/channels/sbx_json')
        .set(admin)
        .send({ daily_limit: null, enabled: true });
      expect(json.body.data).toMatchObject({ daily_limit: null, enabled: true });
      for (const body of [{ code: 'other' }, { provider: 'sandbox' }, { name: null }]) {
        const refused = await t.http.patch('/v1/channels/sbx_json').set(admin).send(body);
        expect([refused.status, refused.body.reason]).toEqual([400, 'validation_failed']);
      }
      const rotated = await t.http
        .patch('/v1/channels/sbx_json')
        .set(admin)
        .send({ config: { secret: 'another-secret-0123456789-wxyz' } });
      expect(rotated.body.data.config.secret).toBe('****wxyz');
      await t.http.patch('/v1/channels/nothing_here').set(admin).send({ weight: 1 }).expect(404);
    });

    it('deletes softly: 410 afterwards, 201 when the code is added again', async () => {
      await create({ code: 'sbx_gone', name: 'Gone', provider: 'sandbox' }).expect(201);
      const deleted = await t.http.delete('/v1/channels/sbx_gone').set(admin);
      expect(deleted.status).toBe(200);
      expect(deleted.body.data).toMatchObject({ code: 'sbx_gone', deleted_at: expect.any(String) });
      for (const res of [
        await t.http.get('/v1/channels/sbx_gone').set(admin),
        await t.http.patch('/v1/channels/sbx_gone').set(admin).send({ weight: 5 }),
        await t.http.delete('/v1/channels/sbx_gone').set(admin),
      ]) {
        expect([res.status, res.body.reason]).toEqual([410, 'channel_deleted']);
      }
      const list = await t.http.get('/v1/channels').set(admin).expect(200);
      expect(list.body.data.items.map((c: Json) => c.code)).not.toContain('sbx_gone');
      const again = await create({ code: 'sbx_gone', name: 'Back', provider: 'sandbox' });
      expect(again.status).toBe(201);
      expect((await channel('sbx_gone')).name).toBe('Back');
      const rows: unknown[] = await t.dataSource.query(
        `SELECT id FROM channels WHERE code = 'sbx_gone'`,
      );
      expect(rows).toHaveLength(2);
      await t.http.get('/v1/channels/never_was').set(admin).expect(404);
    });

    it('403 for a merchant token on every channel route', async () => {
      const m = bearer(merchant.token);
      const responses = [
        await t.http.get('/v1/channels').set(m),
        await t.http.get('/v1/channels/sbx_json').set(m),
        await t.http.get(`/v1/channels/route?amount=100&source_id=${merchant.sourceId}`).set(m),
        await t.http
          .post('/v1/channels')
          .set(m)
          .send({ code: 'm_try', name: 'x', provider: 'sandbox' }),
        await t.http.patch('/v1/channels/sbx_json').set(m).send({ weight: 1 }),
        await t.http.delete('/v1/channels/sbx_json').set(m),
      ];
      for (const res of responses)
        expect([res.status, res.body.reason]).toEqual([403, 'forbidden']);
      await channel('sbx_json');
    });

    it('audits every change, with the secret redacted', async () => {
      const logs = await t.http
        .get('/v1/admin/audit-logs?action=channel.create')
        .set(admin)
        .expect(200);
      const created = logs.body.data.items.find(
        (l: Json) => l.target_id === 'sbx_json' && l.result === 'success',
      );
      expect(created).toMatchObject({ target_type: 'channel', actor_role: 'admin' });
      expect(JSON.stringify(created.detail)).not.toContain(SECRET);
      expect(JSON.stringify(logs.body.data)).not.toContain(SECRET);
      for (const action of ['channel.update', 'channel.delete']) {
        const res = await t.http
          .get(`/v1/admin/audit-logs?action=${action}`)
          .set(admin)
          .expect(200);
        expect(res.body.data.items.length).toBeGreaterThan(0);
      }
    });
  });

  describe('routing', () => {
    it('routes and creates payments at an unlimited healthy channel without a database statement', async () => {
      await create({ code: 'hot', name: 'Hot', provider: 'sandbox', currencies: ['KRW'] }).expect(
        201,
      );
      const spies = [
        ...(['findById', 'findLiveByCode', 'findDeletedByCode'] as const).map((m) =>
          jest.spyOn(t.app.get(ChannelsRepository), m),
        ),
        ...(
          ['reserve', 'release', 'recordFailure', 'close', 'claimTrial', 'releaseTrial'] as const
        ).map((m) => jest.spyOn(t.app.get(ChannelHealthRepository), m)),
        ...(['findPayment', 'insertOutcome', 'findRefund'] as const).map((m) =>
          jest.spyOn(t.app.get(SandboxRepository), m),
        ),
      ];
      try {
        for (let i = 0; i < 50; i++) {
          const decision = await gateway.route({
            amount: 500,
            currency: 'KRW',
            sourceId: merchant.sourceId,
          });
          expect(decision.candidates.map((c) => c.code)).toEqual(['hot']);
          await gateway.createPayment(
            decision.candidates[0],
            order(`ord_hot_${i}`, 500, 'KRW'),
            today(),
          );
        }
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      // the batched counters reach the database
      expect(await channel('hot')).toMatchObject({
        health: { success_rate: 1 },
        today_volume: [{ currency: 'KRW', amount: 25_000 }],
      });
    });

    it('counts a success on the channel even while another flush of the counters is under way', async () => {
      await create({
        code: 'slowflush',
        name: 'Slow',
        provider: 'sandbox',
        currencies: ['USD'],
      }).expect(201);
      await attempt(
        await candidateFor('slowflush', 700, 'USD'),
        order('ord_slowflush', 700, 'USD'),
      );
      // the background flush takes the pending counts and is held before it writes them
      const repository = t.app.get(ChannelHealthRepository);
      const addCounts = repository.addCounts.bind(repository);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const spy = jest.spyOn(repository, 'addCounts').mockImplementation(async (...args) => {
        await held;
        return addCounts(...args);
      });
      try {
        const background = t.app.get(ChannelHealthService).flush();
        const read = channel('slowflush');
        // a reader that does not wait for the flush answers now, without the success
        await Promise.race([read, new Promise((resolve) => setTimeout(resolve, 300))]);
        release();
        await background;
        expect(await read).toMatchObject({
          health: { success_rate: 1 },
          today_volume: [{ currency: 'USD', amount: 700 }],
        });
      } finally {
        release();
        spy.mockRestore();
      }
    });

    it('explains the decision: candidates in order and every exclusion with its reason', async () => {
      const other = await createMerchant(t);
      const add = (code: string, extra: Json) =>
        create({ code, name: code, provider: 'sandbox', currencies: ['JPY'], ...extra }).expect(
          201,
        );
      await add('jp_high', { priority: 10, weight: 300 });
      await add('jp_high_b', { priority: 10, weight: 100 });
      await add('jp_low', { priority: 1 });
      await add('jp_off', { enabled: false });
      await add('jp_small', { max_amount: 100 });
      await add('jp_theirs', { merchants: [other.sourceId] });
      await add('jp_limited', { daily_limit: 500 });
      const res = await t.http
        .get(`/v1/channels/route?amount=1000&currency=JPY&source_id=${merchant.sourceId}`)
        .set(admin)
        .expect(200);
      const { candidates, excluded } = res.body.data;
      expect(
        candidates
          .map((c: Json) => c.code)
          .slice(0, 2)
          .sort(),
      ).toEqual(['jp_high', 'jp_high_b']);
      expect(candidates).toContainEqual({
        code: 'jp_high',
        priority: 10,
        weight: 300,
        probability: 0.75,
      });
      expect(candidates[2]).toEqual({ code: 'jp_low', priority: 1, weight: 100, probability: 1 });
      expect(candidates).toHaveLength(3);
      expect(excluded).toEqual(
        expect.arrayContaining([
          { code: 'jp_off', reason: 'disabled' },
          { code: 'jp_small', reason: 'amount_range' },
          { code: 'jp_theirs', reason: 'merchant' },
          { code: 'jp_limited', reason: 'daily_limit' },
          { code: 'sbx_json', reason: 'currency' },
        ]),
      );
      const forced = await t.http
        .get(
          `/v1/channels/route?amount=1000&currency=JPY&source_id=${merchant.sourceId}&channel=jp_low`,
        )
        .set(admin)
        .expect(200);
      expect(forced.body.data.candidates.map((c: Json) => c.code)).toEqual(['jp_low']);
      expect(forced.body.data.excluded).toContainEqual({
        code: 'jp_high',
        reason: 'not_requested',
      });
      const bad = await t.http.get('/v1/channels/route?amount=10.5&source_id=1').set(admin);
      expect([bad.status, bad.body.reason]).toEqual([400, 'invalid_amount']);
      await t.http.get('/v1/channels/route?amount=100&source_id=1&x=1').set(admin).expect(400);
    });

    it('opens the circuit after 5 failures, then lets one trial through and closes on success', async () => {
      await create({
        code: 'flaky',
        name: 'Flaky',
        provider: 'sandbox',
        currencies: ['HKD'],
        config: { secret: SECRET, create_error_rate: 1 },
      }).expect(201);
      const candidate = await candidateFor('flaky', 100, 'HKD');
      for (let i = 0; i < 5; i++) {
        const failure = await attempt(candidate, order(`ord_flaky_${i}`, 100, 'HKD'));
        expect(failure).toMatchObject({ reason: 'unavailable' });
      }
      expect((await channel('flaky')).health).toEqual({
        state: 'open',
        success_rate: 0,
        consecutive_failures: 5,
      });
      expect(await attempt(candidate, order('ord_flaky_open', 100, 'HKD'))).toMatchObject({
        reason: 'circuit_open',
      });
      const explained = await t.http
        .get(`/v1/channels/route?amount=100&currency=HKD&source_id=${merchant.sourceId}`)
        .set(admin)
        .expect(200);
      expect(explained.body.data.excluded).toContainEqual({
        code: 'flaky',
        reason: 'circuit_open',
      });

      // the provider recovers; after CIRCUIT_OPEN_SECONDS the circuit is half open
      await t.http
        .patch('/v1/channels/flaky')
        .set(admin)
        .send({ config: { secret: '****abcd', create_error_rate: 0 } })
        .expect(200);
      const half = await until(
        () => channel('flaky'),
        (c) => (c.health as Json).state === 'half_open',
      );
      expect(half.health).toMatchObject({ state: 'half_open', consecutive_failures: 5 });
      const trial = await attempt(candidate, order('ord_flaky_trial', 100, 'HKD'));
      expect(trial).toMatchObject({
        payUrl: expect.stringContaining('/sandbox/pay/ord_flaky_trial'),
      });
      expect((await channel('flaky')).health).toEqual({
        state: 'closed',
        success_rate: 0.1667,
        consecutive_failures: 0,
      });
    });

    it('re-opens the circuit when the half-open trial fails, and lets only one trial through', async () => {
      await create({
        code: 'relapse',
        name: 'Relapse',
        provider: 'sandbox',
        currencies: ['AUD'],
        config: { create_error_rate: 1 },
      }).expect(201);
      const candidate = await candidateFor('relapse', 100, 'AUD');
      for (let i = 0; i < 5; i++) await attempt(candidate, order(`ord_relapse_${i}`, 100, 'AUD'));
      await until(
        () => channel('relapse'),
        (c) => (c.health as Json).state === 'half_open',
      );
      const trials = await Promise.all(
        [0, 1, 2].map((i) => attempt(candidate, order(`ord_relapse_t${i}`, 100, 'AUD'))),
      );
      const reasons = trials.map((r) => (r as ChannelAttemptError).reason).sort();
      expect(reasons).toEqual(['circuit_open', 'circuit_open', 'unavailable']);
      expect((await channel('relapse')).health).toMatchObject({
        state: 'open',
        consecutive_failures: 6,
      });
    });

    it('counts a provider that answers after CHANNEL_TIMEOUT_MS as a timeout failure', async () => {
      await create({
        code: 'slow',
        name: 'Slow',
        provider: 'sandbox',
        currencies: ['CAD'],
        config: { latency_ms: 2000 },
      }).expect(201);
      const candidate = await candidateFor('slow', 100, 'CAD');
      const started = Date.now();
      const failure = await attempt(candidate, order('ord_slow', 100, 'CAD'));
      expect(failure).toBeInstanceOf(ChannelAttemptError);
      expect((failure as ChannelAttemptError).reason).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(1500);
      expect((await channel('slow')).health).toMatchObject({ consecutive_failures: 1 });
    });

    it('never lets concurrent orders overshoot a daily limit, and gives back failed reservations', async () => {
      await create({
        code: 'limited',
        name: 'Limited',
        provider: 'sandbox',
        currencies: ['SGD'],
        daily_limit: 10_000,
      }).expect(201);
      const candidate = await candidateFor('limited', 700, 'SGD');
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => attempt(candidate, order(`ord_lim_${i}`, 700, 'SGD'))),
      );
      const successes = results.filter((r) => !(r instanceof ChannelAttemptError));
      const refusals = results.filter(
        (r) => r instanceof ChannelAttemptError && r.reason === 'daily_limit',
      );
      expect(successes).toHaveLength(14);
      expect(refusals).toHaveLength(26);
      const rows: { amount: unknown }[] = await t.dataSource.query(
        `SELECT amount FROM channel_daily_volume WHERE currency = 'SGD'`,
      );
      expect(rows.map((r) => Number(r.amount))).toEqual([9800]);
      expect((await channel('limited')).today_volume).toEqual([{ currency: 'SGD', amount: 9800 }]);
      const explained = await t.http
        .get(`/v1/channels/route?amount=700&currency=SGD&source_id=${merchant.sourceId}`)
        .set(admin)
        .expect(200);
      expect(explained.body.data.excluded).toContainEqual({
        code: 'limited',
        reason: 'daily_limit',
      });

      // a failed attempt releases its reservation
      await t.http
        .patch('/v1/channels/limited')
        .set(admin)
        .send({ config: { create_error_rate: 1 } })
        .expect(200);
      const failed = await attempt(candidate, order('ord_lim_fail', 200, 'SGD'));
      expect(failed).toMatchObject({ reason: 'unavailable' });
      const after: { amount: unknown }[] = await t.dataSource.query(
        `SELECT amount FROM channel_daily_volume WHERE currency = 'SGD'`,
      );
      expect(Number(after[0].amount)).toBe(9800);
    });

    it('counts routed volume of unlimited channels in memory and shows it on the channel', async () => {
      await create({
        code: 'plenty',
        name: 'Plenty',
        provider: 'sandbox',
        currencies: ['EUR'],
      }).expect(201);
      const candidate = await candidateFor('plenty', 250, 'EUR');
      for (let i = 0; i < 4; i++) await attempt(candidate, order(`ord_eur_${i}`, 250, 'EUR'));
      expect(await channel('plenty')).toMatchObject({
        health: { state: 'closed', success_rate: 1, consecutive_failures: 0 },
        today_volume: [{ currency: 'EUR', amount: 1000 }],
      });
    });
  });
});

describe(`channel state shared by two instances on ${testEngine()}`, () => {
  it('an instance sees the circuit another one opened', async () => {
    const database = await createScratchDatabase();
    const env = { CIRCUIT_OPEN_SECONDS: '30', RATE_LIMIT_PER_SECOND: '10000' };
    const a = await startTestApp(env, database);
    const b = await startTestApp({ ...env, MIGRATIONS_RUN: 'false' }, database);
    try {
      const merchant = await createMerchant(a);
      await a.http
        .post('/v1/channels')
        .set(bearer(await a.adminToken()))
        .send({
          code: 'shared',
          name: 'Shared',
          provider: 'sandbox',
          currencies: ['GBP'],
          config: { create_error_rate: 1 },
        })
        .expect(201);
      const request = { amount: 100, currency: 'GBP', sourceId: merchant.sourceId };
      const gatewayA = a.app.get(ChannelGateway);
      const gatewayB = b.app.get(ChannelGateway);
      const seen = await until(
        () => gatewayB.route(request),
        (d) => d.candidates.length === 1,
      );
      expect(seen.candidates.map((c) => c.code)).toEqual(['shared']);
      const candidate = (await gatewayA.route(request)).candidates[0];
      for (let i = 0; i < 5; i++) {
        await expect(
          gatewayA.createPayment(candidate, order(`ord_shared_${i}`, 100, 'GBP'), today()),
        ).rejects.toMatchObject({ reason: 'unavailable' });
      }
      const decision = await until(
        () => gatewayB.route(request),
        (d) => d.excluded.length === 1,
      );
      expect(decision.excluded).toEqual([{ code: 'shared', reason: 'circuit_open' }]);
      await expect(
        gatewayB.createPayment(candidate, order('ord_shared_b', 100, 'GBP'), today()),
      ).rejects.toMatchObject({ reason: 'circuit_open' });
    } finally {
      await b.close();
      await a.close();
      await database.drop();
    }
  });
});
