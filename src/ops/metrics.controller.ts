import { Controller, Get, Headers, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { AuthError } from '../auth/auth.errors';
import { Public } from '../common/auth/public.decorator';
import { AppError } from '../common/errors/app-error';
import { Produces, RawResponse } from '../common/http/route-metadata';
import { AppConfig } from '../config/app-config';
import { metricsAccess } from './metrics-access';
import { MetricsService } from './metrics.service';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  /** Prometheus text exposition. */
  @Get()
  @Public()
  @SkipThrottle()
  @RawResponse()
  @Produces('text/plain')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    switch (metricsAccess(this.config, authorization, false)) {
      case 'allowed':
        return this.metrics.registry.metrics();
      case 'unauthenticated':
        throw AuthError.unauthenticated();
      case 'not_here':
        throw new AppError('route_not_found', { method: 'GET', path: '/metrics' });
    }
  }
}
