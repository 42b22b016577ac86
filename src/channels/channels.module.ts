import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MerchantsModule } from '../merchants/merchants.module';
import { ChannelConfigCodec } from './channel-config';
import { ChannelGateway } from './channel-gateway';
import { ChannelGatewayService } from './channel-gateway.service';
import { ChannelRuntime } from './channel-runtime.service';
import { ChannelProvidersController } from './channel-providers.controller';
import { ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { ChannelHealthRepository } from './health/channel-health.repository';
import { ChannelHealthService } from './health/channel-health.service';
import { AlipayProvider } from './providers/alipay/alipay.provider';
import { ProviderRegistry } from './providers/provider-registry';
import { SandboxController } from './providers/sandbox/sandbox.controller';
import { SandboxDraws } from './providers/sandbox/sandbox-draws';
import { SandboxNotifier } from './providers/sandbox/sandbox-notifier';
import { SandboxPayService } from './providers/sandbox/sandbox-pay.service';
import { SandboxProvider } from './providers/sandbox/sandbox.provider';
import { SandboxRepository } from './providers/sandbox/sandbox.repository';
import {
  UnionpayController,
  UnionpayScriptController,
} from './providers/unionpay/unionpay.controller';
import { UnionpayPayService } from './providers/unionpay/unionpay-pay.service';
import { UnionpayProvider } from './providers/unionpay/unionpay.provider';
import { WechatpayProvider } from './providers/wechatpay/wechatpay.provider';

/**
 * Channels: admin CRUD, routing with failover and circuit breaking, and the provider adapters.
 * Other modules use only `ChannelGateway` (and the port's types).
 */
@Module({
  imports: [DiscoveryModule, MerchantsModule],
  controllers: [
    ChannelsController,
    ChannelProvidersController,
    SandboxController,
    UnionpayController,
    UnionpayScriptController,
  ],
  providers: [
    ChannelsService,
    ChannelsRepository,
    ChannelConfigCodec,
    ChannelRuntime,
    ChannelHealthService,
    ChannelHealthRepository,
    ProviderRegistry,
    { provide: ChannelGateway, useClass: ChannelGatewayService },
    SandboxProvider,
    SandboxRepository,
    SandboxDraws,
    SandboxNotifier,
    SandboxPayService,
    AlipayProvider,
    WechatpayProvider,
    UnionpayProvider,
    UnionpayPayService,
  ],
  exports: [ChannelGateway],
})
export class ChannelsModule {}
