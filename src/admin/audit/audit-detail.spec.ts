import fc from 'fast-check';
import { auditDetail } from './audit.service';

describe('the request fields kept on an audit row', () => {
  it('always parse back, within 4000 characters, whatever the body', () => {
    fc.assert(
      fc.property(fc.object({ maxDepth: 4, withNullPrototype: true }), fc.nat(9000), (body, n) => {
        const detail = auditDetail({ ...body, name: 'x'.repeat(n) });
        expect(detail).not.toBeNull();
        expect(detail!.length).toBeLessThanOrEqual(4000);
        expect(typeof JSON.parse(detail!)).toBe('object');
      }),
    );
  });

  it('keep short bodies whole, secrets masked; cut long values, not the JSON', () => {
    expect(JSON.parse(auditDetail({ name: 'Shop', client_secret: 'abc' })!)).toEqual({
      name: 'Shop',
      client_secret: '[redacted]',
    });
    const long = JSON.parse(auditDetail({ name: 'n'.repeat(5000), config: { secret: 's' } })!);
    expect(long).toEqual({ name: `${'n'.repeat(200)}…`, config: { secret: '[redacted]' } });
  });

  it('name the fields when even the cut values are too long, and keep no detail of a non-object', () => {
    const many = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`field_${i}`, 'v'.repeat(300)]),
    );
    const detail = JSON.parse(auditDetail(many)!) as { truncated: boolean; fields: string[] };
    expect(detail.truncated).toBe(true);
    expect(detail.fields).toHaveLength(40);
    expect(auditDetail(['a'])).toBeNull();
    expect(auditDetail(Object(1e21))).toBeNull();
    expect(auditDetail('text')).toBeNull();
    expect(auditDetail(undefined)).toBeNull();
  });

  it('keep a JSON decimal as its number', () => {
    expect(auditDetail({ fee: Object(0.25) as object })).toBe('{"fee":0.25}');
  });
});
