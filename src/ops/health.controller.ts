import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/auth/public.decorator';
import { AppError } from '../common/errors/app-error';
import { HealthDto } from './dto/health.dto';

@ApiTags('Operations')
@Controller('health')
@Public()
@SkipThrottle()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /** Liveness: the process answers. */
  @Get('live')
  @ApiOperation({ summary: '存活检查 Liveness', description: 'The process answers.' })
  live(): HealthDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers. 503 `unavailable` with `Retry-After` when it does not. */
  @Get('ready')
  @ApiOperation({
    summary: '就绪检查 Readiness',
    description: 'The database answers; 503 `unavailable` with `Retry-After` when it does not.',
  })
  async ready(): Promise<HealthDto> {
    try {
      await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
    } catch {
      throw AppError.unavailable(5);
    }
    return { status: 'ok' };
  }
}
