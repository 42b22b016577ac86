import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { Database } from './database.service';
import { JobLeaseService } from './job-lease.service';
import { runMigrationsExclusively } from './run-migrations';
import { bindIntegerParameters } from './sqlite-parameters';
import { AppSettingsService } from './app-settings.service';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config),
        migrationsRun: config.env.MIGRATIONS_RUN,
        // start-up fails at once with a clear error rather than retrying for minutes
        retryAttempts: 0,
      }),
      // migrations run here rather than inside initialize(): one instance at a time
      dataSourceFactory: async (options) => {
        const dataSource = new DataSource({ ...options!, migrationsRun: false });
        bindIntegerParameters(dataSource);
        await dataSource.initialize();
        if (!options!.migrationsRun) return dataSource;
        try {
          await runMigrationsExclusively(dataSource);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [Database, JobLeaseService, AppSettingsService],
  exports: [Database, JobLeaseService, AppSettingsService],
})
export class DatabaseModule {}
