import { ProviderRegistry } from '../src/channels/providers/provider-registry';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp } from './helpers/test-app';

interface FieldView {
  key: string;
  kind: string;
  required: boolean;
  secret: boolean;
  options?: string[];
  multiple?: boolean;
  description: string;
}

/** Does the provider's validator take `key` as one of its settings (whatever it thinks of the value)? */
function accepts(registry: ProviderRegistry, provider: string, key: string): boolean {
  const result = registry.get(provider).validateConfig({ [key]: '?' });
  if (result.ok) return true;
  return !result.errors.some(
    (e) => e.field === `config.${key}` && /is not an? .* setting/.test(e.message),
  );
}

describe(`GET /v1/channel-providers on ${testEngine()}`, () => {
  let t: TestApp;
  let registry: ProviderRegistry;
  let providers: { provider: string; name: string; fields: FieldView[] }[];

  beforeAll(async () => {
    t = await startTestApp();
    registry = t.app.get(ProviderRegistry);
    const res = await t.http
      .get('/v1/channel-providers')
      .set(bearer(await t.adminToken()))
      .expect(200);
    providers = res.body.data.items;
  }, 60_000);
  afterAll(() => t?.close());

  it('lists every provider the server registers, each with a name', () => {
    expect(providers.map((p) => p.provider)).toEqual(registry.names());
    expect(registry.names()).toEqual(['alipay', 'sandbox', 'unionpay', 'wechatpay']);
    for (const p of providers) expect(p.name).toMatch(/\S/);
  });

  it("lists exactly the settings each provider's validator accepts", () => {
    for (const p of providers) {
      const keys = p.fields.map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys)
        expect({ provider: p.provider, key, ok: accepts(registry, p.provider, key) }).toEqual({
          provider: p.provider,
          key,
          ok: true,
        });
      expect(accepts(registry, p.provider, 'no_such_setting')).toBe(false);
    }
  });

  it('marks every setting the API masks as secret, and describes each field', () => {
    for (const p of providers) {
      const secret = new Set(p.fields.filter((f) => f.secret).map((f) => f.key));
      for (const key of registry.get(p.provider).secretFields) expect(secret).toContain(key);
      for (const f of p.fields) {
        expect(['text', 'secret', 'pem', 'number', 'select', 'boolean']).toContain(f.kind);
        expect(f.description.length).toBeGreaterThan(5);
        if (f.kind === 'select') expect(f.options?.length).toBeGreaterThan(0);
        else expect(f.options).toBeUndefined();
        if (f.kind === 'secret') expect(f.secret).toBe(true);
      }
    }
    const alipay = providers.find((p) => p.provider === 'alipay')!;
    expect(alipay.fields.find((f) => f.key === 'product')).toMatchObject({
      kind: 'select',
      options: ['precreate', 'page', 'wap'],
      required: false,
    });
    expect(alipay.fields.find((f) => f.key === 'app_id')).toMatchObject({ required: true });
    const sandbox = providers.find((p) => p.provider === 'sandbox')!;
    expect(sandbox.fields.filter((f) => f.required)).toEqual([]);
  });

  it('is for operators: a merchant gets 403', async () => {
    const m = await createMerchant(t);
    const res = await t.http.get('/v1/channel-providers').set(bearer(m.token));
    expect([res.status, res.body.reason]).toEqual([403, 'forbidden']);
  });
});
