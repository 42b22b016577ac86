import { Injectable } from '@nestjs/common';
import { AppSettingsService } from '../../database/app-settings.service';

export interface MaintenanceState {
  enabled: boolean;
  retry_after_seconds: number;
  updated_at: string | null;
}

const SETTING = 'maintenance';
const OFF: MaintenanceState = { enabled: false, retry_after_seconds: 300, updated_at: null };
/** How long an instance trusts its copy of the flag; a change reaches every instance within it. */
const REFRESH_MS = 1000;

/** Maintenance mode, kept in the database so every instance follows the same switch. */
@Injectable()
export class MaintenanceService {
  private cached: MaintenanceState = OFF;
  private cachedAt = 0;

  constructor(private readonly settings: AppSettingsService) {}

  async state(): Promise<MaintenanceState> {
    if (Date.now() - this.cachedAt > REFRESH_MS) {
      const stored = await this.settings.get(SETTING);
      this.cached = stored ? (JSON.parse(stored) as MaintenanceState) : OFF;
      this.cachedAt = Date.now();
    }
    return this.cached;
  }

  async set(enabled: boolean, retryAfterSeconds: number | undefined): Promise<MaintenanceState> {
    const state: MaintenanceState = {
      enabled,
      retry_after_seconds: retryAfterSeconds ?? OFF.retry_after_seconds,
      updated_at: new Date().toISOString(),
    };
    await this.settings.set(SETTING, JSON.stringify(state));
    this.cached = state;
    this.cachedAt = Date.now();
    return state;
  }
}
