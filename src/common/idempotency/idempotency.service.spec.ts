import { createHash } from 'node:crypto';
import { IdempotencyService } from './idempotency.service';

describe('IdempotencyService.hashRequest', () => {
  const request = {
    scope: 'merchant:1000001',
    key: 'k-1',
    endpoint: 'POST /v1/payments/create',
    params: {},
    body: { source_id: 1000001, product_name: '苹果', amount: 1000, memo: 'a\nb' },
  };

  it('is the digest keys stored before keep being compared with', () => {
    // how it was computed when those keys were stored: the parts hashed in turn
    const stored = createHash('sha256')
      .update(request.endpoint)
      .update('\n')
      .update('{}')
      .update('\n')
      .update('{"amount":1000,"memo":"a\\nb","product_name":"苹果","source_id":1000001}')
      .digest('hex');
    expect(IdempotencyService.hashRequest(request)).toBe(stored);
  });

  it('does not depend on key order, and tells different bodies apart', () => {
    const reordered = {
      ...request,
      body: { amount: 1000, memo: 'a\nb', source_id: 1000001, product_name: '苹果' },
    };
    expect(IdempotencyService.hashRequest(reordered)).toBe(IdempotencyService.hashRequest(request));
    const other = { ...request, body: { ...request.body, amount: 1001 } };
    expect(IdempotencyService.hashRequest(other)).not.toBe(IdempotencyService.hashRequest(request));
  });
});
