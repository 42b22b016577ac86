import { Foundation1764140000000 } from './1764140000000-foundation';
import { AuthMerchants1764140100000 } from './1764140100000-auth-merchants';
import { Channels1764140200000 } from './1764140200000-channels';
import { Payments1764140300000 } from './1764140300000-payments';
import { Webhooks1764140400000 } from './1764140400000-webhooks';
import { Clearing1764140500000 } from './1764140500000-clearing';
import { Cashier1764141100000 } from './1764141100000-cashier';
import { ConsoleUsers1764141000000 } from './1764141000000-console-users';
import { ConsoleStatsIndexes1764141050000 } from './1764141050000-console-stats-indexes';
import { CredentialCreatedBy1764141400000 } from './1764141400000-credential-created-by';
import { WebhookSequence1764141600000 } from './1764141600000-webhook-sequence';
import { LedgerAppendOnly1764142600000 } from './1764142600000-ledger-append-only';
import { RefundsListIndex1764142700000 } from './1764142700000-refunds-list-index';
import { OrderClaims1764142800000 } from './1764142800000-order-claims';

/** The single migration history, run in this order on SQLite and on PostgreSQL. */
export const MIGRATIONS = [
  Foundation1764140000000,
  AuthMerchants1764140100000,
  Channels1764140200000,
  Payments1764140300000,
  Webhooks1764140400000,
  Clearing1764140500000,
  ConsoleUsers1764141000000,
  ConsoleStatsIndexes1764141050000,
  Cashier1764141100000,
  CredentialCreatedBy1764141400000,
  WebhookSequence1764141600000,
  LedgerAppendOnly1764142600000,
  RefundsListIndex1764142700000,
  OrderClaims1764142800000,
];
