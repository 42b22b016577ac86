import fc from 'fast-check';
import {
  canChange,
  isLatePayment,
  ORDER_STATUSES,
  OrderChange,
  OrderStatus,
  statusAfterRefund,
  TRANSITION_FROM,
} from './order-state';

describe('order state machine', () => {
  it('only PENDING can fail or close', () => {
    for (const s of ORDER_STATUSES) {
      expect(canChange('fail', s)).toBe(s === 'PENDING');
      expect(canChange('close', s)).toBe(s === 'PENDING');
    }
  });

  it('a success applies to unpaid orders only, late after FAILED or CLOSED', () => {
    expect(ORDER_STATUSES.filter((s) => canChange('succeed', s))).toEqual([
      'PENDING',
      'FAILED',
      'CLOSED',
    ]);
    expect(isLatePayment('CLOSED')).toBe(true);
    expect(isLatePayment('FAILED')).toBe(true);
    expect(isLatePayment('PENDING')).toBe(false);
  });

  it('refunds only on paid orders', () => {
    expect(ORDER_STATUSES.filter((s) => canChange('refund', s))).toEqual([
      'SUCCEEDED',
      'PARTIALLY_REFUNDED',
    ]);
  });

  it('a paid order never goes back to unpaid, whatever the sequence of changes', () => {
    const paid = new Set<OrderStatus>(['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED']);
    const target: Record<OrderChange, OrderStatus> = {
      succeed: 'SUCCEEDED',
      fail: 'FAILED',
      close: 'CLOSED',
      refund: 'PARTIALLY_REFUNDED',
    };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...(Object.keys(TRANSITION_FROM) as OrderChange[])), {
          maxLength: 30,
        }),
        (changes) => {
          let state: OrderStatus = 'PENDING';
          let successes = 0;
          for (const change of changes) {
            if (!canChange(change, state)) continue;
            if (change === 'succeed') successes++;
            const wasPaid = paid.has(state);
            state = target[change];
            expect(wasPaid && !paid.has(state)).toBe(false);
          }
          expect(successes).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('a refund completing the amount makes the order REFUNDED', () => {
    expect(statusAfterRefund(1000, 1000)).toBe('REFUNDED');
    expect(statusAfterRefund(1000, 999)).toBe('PARTIALLY_REFUNDED');
  });
});
