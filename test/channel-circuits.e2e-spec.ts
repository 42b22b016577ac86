import { ChannelGateway } from '../src/channels/channel-gateway';
import { FAILURE_THRESHOLD } from '../src/channels/health/circuit-breaker';
import { ProviderError } from '../src/channels/providers/payment-provider.port';
import { SandboxProvider } from '../src/channels/providers/sandbox/sandbox.provider';
import { createOrder, createSandboxChannel } from './helpers/payments';
import { testEngine } from './helpers/scratch-database';
import { createMerchant, startTestApp, TestApp } from './helpers/test-app';

describe(`a provider outage of one operation opens that operation's circuit (${testEngine()})`, () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('fails queries fast after repeated failures, counts them on /metrics, and keeps creating', async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '10000', CIRCUIT_OPEN_SECONDS: '60' });
    const m = await createMerchant(t);
    await createSandboxChannel(t);
    const order = await createOrder(t, m);
    const [{ channel_id: channelId }] = await t.dataSource.query(
      `SELECT channel_id FROM orders WHERE order_id = '${order.order_id}'`,
    );
    const sandbox = t.app.get(SandboxProvider);
    const outage = jest
      .spyOn(sandbox, 'queryPayment')
      .mockRejectedValue(new ProviderError('unavailable', 'query endpoint down'));
    const gateway = t.app.get(ChannelGateway);
    try {
      for (let i = 0; i < FAILURE_THRESHOLD; i++) {
        await expect(gateway.queryPayment(channelId, order.order_id, null)).rejects.toThrow(
          'query endpoint down',
        );
      }
      expect(outage).toHaveBeenCalledTimes(FAILURE_THRESHOLD);
      // open: the provider is not called at all
      await expect(gateway.queryPayment(channelId, order.order_id, null)).rejects.toThrow(
        /the query circuit of sandbox_main is open/,
      );
      expect(outage).toHaveBeenCalledTimes(FAILURE_THRESHOLD);
      // payment creation has its own circuit, still closed
      await createOrder(t, m);
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(metrics).toContain(
        'paygate_channel_circuit_open{channel="sandbox_main",operation="query"} 1',
      );
      expect(metrics).toContain(
        `paygate_channel_calls_total{channel="sandbox_main",operation="query",outcome="unavailable"} ${FAILURE_THRESHOLD}`,
      );
      expect(metrics).toContain(
        'paygate_channel_calls_total{channel="sandbox_main",operation="query",outcome="circuit_open"} 1',
      );
      expect(metrics).toMatch(
        /paygate_channel_calls_total\{channel="sandbox_main",operation="create",outcome="ok"\} 2/,
      );
    } finally {
      outage.mockRestore();
    }
  });
});
