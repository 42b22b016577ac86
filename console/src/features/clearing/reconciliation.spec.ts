import { DISCREPANCY_TYPES, reconciliationCounts } from './reconciliation';

describe('the reconciliation chart: matched against discrepancies by kind', () => {
  it('counts each kind, with zero for the kinds absent', () => {
    const counts = reconciliationCounts({
      matched_count: 3,
      discrepancies: [
        { type: 'amount_mismatch' },
        { type: 'missing_in_gateway' },
        { type: 'amount_mismatch' },
      ],
    });
    expect(counts).toEqual({
      matched: 3,
      discrepancies: 3,
      byType: {
        missing_in_gateway: 1,
        missing_in_channel: 0,
        amount_mismatch: 2,
        status_mismatch: 0,
        fee_mismatch: 0,
      },
    });
  });

  it('names every kind the API documents', () => {
    // the DiscrepancyDto enum of openapi.json
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spec = require('../../../../openapi.json');
    expect([...DISCREPANCY_TYPES].sort()).toEqual(
      [...spec.components.schemas.DiscrepancyDto.properties.type.enum].sort(),
    );
  });
});
