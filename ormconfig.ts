/**
 * The data source the TypeORM CLI uses (`npm run migration:run`, `migration:show`,
 * `migration:revert`): the same engine, entities and migration history as the service,
 * from the same DATABASE_URL.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

export default new DataSource(buildDataSourceOptions(loadConfig()));
