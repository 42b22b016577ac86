import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics-server';
import { OperationsMetrics } from './operations-metrics';
import { OperationsMetricsRepository } from './operations-metrics.repository';
import { MetricsService } from './metrics.service';
import { TeapotController } from './teapot.controller';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController, TeapotController],
  providers: [MetricsService, MetricsServer, OperationsMetrics, OperationsMetricsRepository],
  exports: [MetricsService],
})
export class OpsModule {}
