import { applyDecorators, Injectable, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { PaymentProvider } from './payment-provider.port';

const PAYMENT_PROVIDER = 'paygate:payment-provider';

/**
 * Marks a class as a provider adapter. Add it to any module's providers; the registry finds
 * every marked instance at start-up and serves it under its `name`.
 */
export const RegisterProvider = () =>
  applyDecorators(Injectable(), SetMetadata(PAYMENT_PROVIDER, true));

/** The adapters by `provider` name. */
@Injectable()
export class ProviderRegistry implements OnModuleInit {
  private readonly adapters = new Map<string, PaymentProvider>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !Reflect.getMetadata(PAYMENT_PROVIDER, metatype)) continue;
      if (!(instance instanceof PaymentProvider)) {
        throw new Error(`${metatype.name} is marked @RegisterProvider() but is no PaymentProvider`);
      }
      const existing = this.adapters.get(instance.name);
      if (existing && existing !== instance) {
        throw new Error(`two payment providers are named ${instance.name}`);
      }
      this.adapters.set(instance.name, instance);
    }
  }

  find(name: string): PaymentProvider | undefined {
    return this.adapters.get(name);
  }

  get(name: string): PaymentProvider {
    const adapter = this.adapters.get(name);
    if (!adapter) throw new Error(`no payment provider is registered as ${name}`);
    return adapter;
  }

  names(): string[] {
    return [...this.adapters.keys()].sort();
  }
}
