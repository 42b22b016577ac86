import { MoneyError } from './money';
import { paymentQuery, refundQuery, toSearchParams } from './query';
import { addDays, formatTime, presetRange, startOfDay, todayIn, zoneLabel } from './time';

describe('console filters → the query of GET /v1/payments/search', () => {
  it('turns settlement dates into the zone’s day boundaries, the last day included', () => {
    expect(paymentQuery({ dates: ['2026-12-01', '2026-12-03'] }, 'Asia/Shanghai')).toEqual({
      created_from: '2026-11-30T16:00:00.000Z',
      created_to: '2026-12-03T16:00:00.000Z',
    });
    // dates picked the wrong way round still mean the same days
    expect(paymentQuery({ dates: ['2026-12-03', '2026-12-01'] }, 'UTC')).toEqual({
      created_from: '2026-12-01T00:00:00.000Z',
      created_to: '2026-12-04T00:00:00.000Z',
    });
  });

  it('follows daylight saving time: a New York day in summer starts at 04:00 UTC', () => {
    expect(startOfDay('2026-07-01', 'America/New_York')).toBe('2026-07-01T04:00:00.000Z');
    expect(startOfDay('2026-12-01', 'America/New_York')).toBe('2026-12-01T05:00:00.000Z');
  });

  it('sends amounts as exact minor units of the chosen currency, and leaves blanks out', () => {
    expect(
      paymentQuery(
        {
          status: 'SUCCEEDED',
          channel: ' sandbox_a ',
          sourceId: '1000001',
          q: '  ord_123 ',
          amountMin: '0.1',
          amountMax: '1,000.29',
          dates: null,
        },
        'Asia/Shanghai',
      ),
    ).toEqual({
      status: 'SUCCEEDED',
      channel: 'sandbox_a',
      source_id: 1000001,
      q: 'ord_123',
      amount_min: 10,
      amount_max: 100029,
    });
    expect(paymentQuery({ currency: 'JPY', amountMin: '500' }, 'UTC')).toEqual({
      currency: 'JPY',
      amount_min: 500,
    });
    expect(paymentQuery({ status: '', q: '   ', sourceId: '' }, 'UTC')).toEqual({});
  });

  it('refuses an amount the API would refuse, before asking it', () => {
    expect(() => paymentQuery({ amountMin: '1.001' }, 'UTC')).toThrow(MoneyError);
    expect(() => paymentQuery({ currency: 'JPY', amountMax: '1.5' }, 'UTC')).toThrow(MoneyError);
  });

  it('writes the CSV link’s query without empty values', () => {
    expect(toSearchParams({ status: 'FAILED', q: '', source_id: 7, channel: undefined })).toBe(
      'status=FAILED&source_id=7',
    );
  });
});

describe('console times: the settlement zone, named', () => {
  it('shows an instant in the zone and names the zone with its offset', () => {
    expect(formatTime('2026-12-03T16:30:05.000Z', 'Asia/Shanghai')).toBe('2026-12-04 00:30:05');
    expect(formatTime(null, 'Asia/Shanghai')).toBe('—');
    expect(zoneLabel('Asia/Shanghai')).toBe('Asia/Shanghai (UTC+08:00)');
    expect(zoneLabel('America/New_York', Date.parse('2026-07-01T12:00:00Z'))).toBe(
      'America/New_York (UTC-04:00)',
    );
  });

  it('knows the settlement day: 23:30 UTC is already tomorrow in Shanghai', () => {
    expect(todayIn('Asia/Shanghai', Date.parse('2026-12-03T23:30:00Z'))).toBe('2026-12-04');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('console overview presets → the statistics API’s period', () => {
  const now = Date.parse('2026-12-03T10:20:00Z');
  it('last hour and last 24 hours: whole hours up to the current one, by hour', () => {
    expect(presetRange('1h', 'Asia/Shanghai', now)).toEqual({
      from: '2026-12-03T10:00:00.000Z',
      to: '2026-12-03T11:00:00.000Z',
      granularity: 'hour',
    });
    expect(presetRange('24h', 'Asia/Shanghai', now).from).toBe('2026-12-02T11:00:00.000Z');
  });
  it('7 and 30 days: settlement dates of the zone, today included, by day', () => {
    expect(presetRange('7d', 'Asia/Shanghai', now)).toEqual({
      from: '2026-11-27',
      to: '2026-12-03',
      granularity: 'day',
    });
    expect(presetRange('30d', 'America/New_York', Date.parse('2026-12-03T03:00:00Z'))).toEqual({
      from: '2026-11-03',
      to: '2026-12-02',
      granularity: 'day',
    });
  });
});

describe('console filters → the query of GET /v1/refunds', () => {
  it('sends the zone’s day boundaries, the status, the merchant and the order, blanks left out', () => {
    expect(
      refundQuery(
        {
          dates: ['2026-12-03', '2026-12-01'],
          status: 'PENDING',
          sourceId: ' 1000002 ',
          orderId: ' ord_0193 ',
        },
        'Asia/Shanghai',
      ),
    ).toEqual({
      created_from: '2026-11-30T16:00:00.000Z',
      created_to: '2026-12-03T16:00:00.000Z',
      status: 'PENDING',
      source_id: 1000002,
      order_id: 'ord_0193',
    });
    expect(refundQuery({ dates: null, status: '', sourceId: '', orderId: '  ' }, 'UTC')).toEqual(
      {},
    );
  });

  it('drops a status the API does not know and passes a bad merchant id on for the API to refuse', () => {
    expect(refundQuery({ status: 'REFUNDED' }, 'UTC')).toEqual({});
    expect(refundQuery({ sourceId: '12ab' }, 'UTC')).toEqual({ source_id: '12ab' });
  });
});
