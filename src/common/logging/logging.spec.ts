import { scrubSecrets } from './logging';

describe('secrets masked in logged objects', () => {
  it('masks secret-looking keys at any depth, and whatever lies deeper than it reads', () => {
    let deep: Record<string, unknown> = { client_secret: 'hunter2' };
    for (let i = 0; i < 12; i++) deep = { nested: deep };
    expect(JSON.stringify(scrubSecrets(deep))).not.toContain('hunter2');
    expect(scrubSecrets({ a: { private_key: 'k', name: 'n' } })).toEqual({
      a: { private_key: '[redacted]', name: 'n' },
    });
  });

  it('keeps a JSON decimal (a boxed number) as its number', () => {
    expect(JSON.stringify(scrubSecrets({ rate: Object(0.25) as object }))).toBe('{"rate":0.25}');
  });
});
