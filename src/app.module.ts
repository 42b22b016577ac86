import {
  CanActivate,
  DynamicModule,
  ExecutionContext,
  INestApplicationContext,
  Module,
  PipeTransform,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { AdminModule } from './admin/admin.module';
import { MaintenanceGuard } from './admin/maintenance/maintenance.guard';
import { AuthModule } from './auth/auth.module';
import { CashierModule } from './cashier/cashier.module';
import { ChannelsModule } from './channels/channels.module';
import { ClearingModule } from './clearing/clearing.module';
import { ConsoleModule } from './console/console.module';
import { StatsModule } from './stats/stats.module';
import { TOKEN_ENDPOINT } from './auth/auth.controller';
import { AuthenticationGuard } from './auth/guards/authentication.guard';
import { PermissionsGuard } from './auth/guards/permissions.guard';
import { KeysModule } from './common/crypto/keys.service';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { MerchantsModule } from './merchants/merchants.module';
import { PaymentsModule } from './payments/payments.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { ContentNegotiationInterceptor } from './common/http/content-negotiation.interceptor';
import { EnvelopeInterceptor } from './common/http/envelope.interceptor';
import { HttpPipelineInterceptor } from './common/http/http-pipeline.interceptor';
import { ErrorPages } from './common/http/error-pages';
import { GlobalEnhancers } from './common/http/hot-routes';
import { RouteTable } from './common/http/route-table';
import {
  PAYER_RATE_LIMITED,
  RateLimitGuard,
  rateLimitTracker,
} from './common/rate-limit/rate-limit.guard';
import { RedisRateLimitStorage } from './common/rate-limit/redis-rate-limit.storage';
import { FailureThrottleModule } from './common/rate-limit/failure-throttles';
import { clientAddressKey } from './common/net/client-address';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { OpsModule } from './ops/ops.module';

/** The validation pipe every body, query and path parameter goes through. */
export const REQUEST_PIPE = Symbol('paygate.requestPipe');

/**
 * Who is calling, how often, maintenance, may they: the guards of every route, in this order.
 * Refused attempts count against the caller's rate limit too, which also bounds the audit rows
 * they write.
 */
export const GLOBAL_GUARDS = [
  AuthenticationGuard,
  RateLimitGuard,
  MaintenanceGuard,
  PermissionsGuard,
] as const;

/** The enhancers Nest applies to every route, for the hot routes that call them directly. */
export function globalEnhancers(app: INestApplicationContext): GlobalEnhancers {
  return {
    guards: GLOBAL_GUARDS.map((guard) => app.get<CanActivate>(guard)),
    pipe: app.get<PipeTransform>(REQUEST_PIPE),
    interceptor: app.get(HttpPipelineInterceptor),
    filter: app.get(AllExceptionsFilter),
    controller: (type) => app.get(type),
  };
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, routes: RouteTable, pages: ErrorPages): DynamicModule {
    // shared by every instance through Redis when configured, else this process's memory
    const redisStorage =
      config.env.REDIS_URL && config.env.RATE_LIMIT_ENABLED
        ? new RedisRateLimitStorage(config.env.REDIS_URL, config.env.REDIS_KEY_PREFIX)
        : undefined;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ScheduleModule.forRoot(),
        KeysModule,
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', ttl: 1000, limit: config.env.RATE_LIMIT_PER_SECOND },
            // the token endpoint, per client address; its failures are throttled by AuthService
            {
              name: 'token_ip',
              ttl: 60_000,
              limit: config.env.TOKEN_RATE_LIMIT_PER_MINUTE,
              skipIf: (context) => !isTokenEndpoint(context),
              getTracker: (req) => `ip:${clientAddressKey(req.ip as string | undefined)}`,
            },
            // the hosted cashier's POSTs (they start provider trades and make orders): per IP
            {
              name: 'payer_ip',
              ttl: 60_000,
              limit: config.env.PAYER_RATE_LIMIT_PER_MINUTE,
              skipIf: (context) => !isPayerRateLimited(context),
              getTracker: (req) => `ip:${clientAddressKey(req.ip as string | undefined)}`,
            },
          ],
          storage: redisStorage,
          skipIf: () => !config.env.RATE_LIMIT_ENABLED,
          getTracker: rateLimitTracker,
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
        }),
        FailureThrottleModule.forRoot(redisStorage?.redis),
        OpsModule,
        AdminModule,
        IdempotencyModule,
        AuthModule,
        ConsoleModule,
        MerchantsModule,
        ChannelsModule,
        PaymentsModule,
        CashierModule,
        WebhooksModule,
        ClearingModule,
        StatsModule,
      ],
      providers: [
        { provide: RouteTable, useValue: routes },
        {
          provide: AllExceptionsFilter,
          inject: [RouteTable, AppConfig],
          useFactory: (table: RouteTable, cfg: AppConfig) =>
            new AllExceptionsFilter(table, cfg.bodyLimitBytes, pages),
        },
        { provide: APP_FILTER, useExisting: AllExceptionsFilter },
        { provide: REQUEST_PIPE, useFactory: createValidationPipe },
        { provide: APP_PIPE, useExisting: REQUEST_PIPE },
        RateLimitGuard,
        ...GLOBAL_GUARDS.map((guard) => ({ provide: APP_GUARD, useExisting: guard })),
        // the interceptor layers, chained by HttpPipelineInterceptor
        ContentNegotiationInterceptor,
        EnvelopeInterceptor,
        HttpPipelineInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: HttpPipelineInterceptor },
      ],
    };
  }
}

function isTokenEndpoint(context: ExecutionContext): boolean {
  return Reflect.getMetadata(TOKEN_ENDPOINT, context.getHandler()) === true;
}

function isPayerRateLimited(context: ExecutionContext): boolean {
  return Reflect.getMetadata(PAYER_RATE_LIMITED, context.getHandler()) === true;
}
