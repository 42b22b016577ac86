import { Injectable } from '@nestjs/common';
import { KeysService } from '../common/crypto/keys.service';
import { maskSecret } from '../common/crypto/secret-box';
import { PaymentProvider } from './providers/payment-provider.port';

type Config = Record<string, unknown>;

/**
 * A channel's `config` at rest, in memory and in responses: the adapter's secret fields are
 * sealed (AES-256-GCM, CHANNEL_CONFIG_KEY) in the database, decrypted only into the
 * ChannelContext handed to the adapter, and masked as `****abcd` everywhere else.
 */
@Injectable()
export class ChannelConfigCodec {
  constructor(private readonly keys: KeysService) {}

  /** The stored form (JSON text) of a validated config. */
  seal(adapter: PaymentProvider, config: Config): string {
    const stored: Config = { ...config };
    for (const field of adapter.secretFields) {
      if (typeof stored[field] === 'string') {
        stored[field] = this.keys.secretBox.seal(stored[field]);
      }
    }
    return JSON.stringify(stored);
  }

  /** The config with its secrets decrypted, for the adapter only. Never log it. */
  open(adapter: PaymentProvider, stored: string): Config {
    const config = JSON.parse(stored) as Config;
    for (const field of adapter.secretFields) {
      if (typeof config[field] === 'string')
        config[field] = this.keys.secretBox.open(config[field]);
    }
    return config;
  }

  /** The config as responses show it. Without its adapter, every text value is masked. */
  mask(adapter: PaymentProvider | undefined, stored: string): Config {
    const config = JSON.parse(stored) as Config;
    const fields = adapter ? adapter.secretFields : Object.keys(config);
    for (const field of fields) {
      const value = config[field];
      if (typeof value !== 'string') continue;
      config[field] = maskSecret(adapter ? this.keys.secretBox.open(value) : value);
    }
    return config;
  }

  /**
   * A config sent on update, with each secret that came back in its masked form (`****abcd`,
   * as responses show it) replaced by the stored secret it stands for.
   */
  keepMaskedSecrets(adapter: PaymentProvider, incoming: unknown, stored: string): unknown {
    if (typeof incoming !== 'object' || incoming === null || Array.isArray(incoming)) {
      return incoming;
    }
    const current = this.open(adapter, stored);
    const merged = incoming as Config;
    for (const field of adapter.secretFields) {
      const secret = current[field];
      if (typeof secret === 'string' && merged[field] === maskSecret(secret)) {
        merged[field] = secret;
      }
    }
    return merged;
  }
}
