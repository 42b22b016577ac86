import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { volumeKey } from '../routing/router';
import {
  circuitState,
  CircuitRow,
  CircuitState,
  CLOSED_CIRCUIT,
  FAILURE_THRESHOLD,
} from './circuit-breaker';
import { ChannelHealthRepository, DailyCounts, DailyVolume } from './channel-health.repository';

/** A channel's health as shown on the Channel resource. */
export interface HealthView {
  state: CircuitState;
  /** Successes over attempts today; null without attempts. */
  successRate: number | null;
  consecutiveFailures: number;
  todayVolume: { currency: string; amount: number }[];
}

/**
 * Channel health as this instance sees it, and the writes that keep every instance agreeing.
 *
 * Hot path: routing and a successful payment read and count in memory only. A failure is
 * written at once (the circuit is shared through the database), a success writes only when it
 * closes a run of failures, and the daily counters and volumes of unlimited channels are
 * added to the database in batches by `flush()` (additive upserts, safe with many instances).
 * A daily limit is the exception: its reservation is one conditional statement, so the limit
 * holds across instances.
 */
@Injectable()
export class ChannelHealthService {
  private readonly logger = new Logger(ChannelHealthService.name);
  private readonly openMs: number;
  private circuits = new Map<string, CircuitRow>();
  private volumeDate = '';
  private volumes = new Map<string, number>();
  private pendingCounts = new Map<string, DailyCounts>();
  private pendingVolumes = new Map<string, DailyVolume>();
  /** Bumped by every local write, so a reload that started earlier does not undo it. */
  private writeSeq = 0;
  private readonly writtenAt = new Map<string, number>();
  /** The last flush begun; the next one waits for it, so a caller of `flush()` reads its counts. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly repository: ChannelHealthRepository,
    config: AppConfig,
  ) {
    this.openMs = config.env.CIRCUIT_OPEN_SECONDS * 1000;
  }

  /** A marker to pass to `apply` for data read from now on. */
  loadMark(): number {
    return this.writeSeq;
  }

  /** Takes circuits and volumes read from the database, except where this instance wrote since. */
  apply(
    mark: number,
    circuits: Map<string, CircuitRow>,
    settlementDate: string,
    volumes: DailyVolume[],
  ): void {
    const newer = (key: string) => (this.writtenAt.get(key) ?? 0) > mark;
    const nextCircuits = new Map(circuits);
    for (const [id, row] of this.circuits) if (newer(id)) nextCircuits.set(id, row);
    const nextVolumes = new Map(volumes.map((v) => [volumeKey(v.channelId, v.currency), v.amount]));
    if (settlementDate === this.volumeDate) {
      for (const [key, amount] of this.volumes) if (newer(key)) nextVolumes.set(key, amount);
    }
    this.circuits = nextCircuits;
    this.volumes = nextVolumes;
    this.volumeDate = settlementDate;
  }

  circuitOf(channelId: string): CircuitRow {
    return this.circuits.get(channelId) ?? CLOSED_CIRCUIT;
  }

  allCircuits(): ReadonlyMap<string, CircuitRow> {
    return this.circuits;
  }

  /** Today's volumes as last read or reserved (what daily limits are checked against). */
  volumesOn(settlementDate: string): ReadonlyMap<string, number> {
    return settlementDate === this.volumeDate ? this.volumes : new Map();
  }

  async recordFailure(channelId: string, settlementDate: string, now: number): Promise<void> {
    this.count(channelId, settlementDate, 'failures');
    const row = await this.db.run((em) =>
      this.repository.recordFailure(em, channelId, FAILURE_THRESHOLD, now, now + this.openMs),
    );
    if (row) this.remember(channelId, row);
  }

  /**
   * Counts a success; closes the circuit with one write only when this instance knows of
   * failures (or of an open circuit whose trial this was). `volume` is the amount routed to an
   * unlimited channel, counted in the next flush.
   */
  async recordSuccess(
    channelId: string,
    settlementDate: string,
    volume: { currency: string; amount: number } | null,
    now: number,
  ): Promise<void> {
    this.count(channelId, settlementDate, 'successes');
    if (volume) {
      const key = `${channelId}:${settlementDate}:${volume.currency}`;
      const pending = this.pendingVolumes.get(key);
      if (pending) pending.amount += volume.amount;
      else this.pendingVolumes.set(key, { channelId, settlementDate, ...volume });
    }
    const known = this.circuitOf(channelId);
    if (known.consecutiveFailures > 0 || known.openUntil !== null) {
      const row = await this.db.run((em) => this.repository.close(em, channelId, now));
      if (row) this.remember(channelId, row);
    }
  }

  /** Claims the half-open trial; false when another request or instance has it. */
  async claimTrial(channelId: string, now: number): Promise<boolean> {
    const row = await this.db.run((em) =>
      this.repository.claimTrial(em, channelId, now, now + this.openMs),
    );
    if (row) this.remember(channelId, row);
    return row !== null;
  }

  async releaseTrial(channelId: string, now: number): Promise<void> {
    await this.db.run((em) => this.repository.releaseTrial(em, channelId, now));
    const known = this.circuitOf(channelId);
    this.remember(channelId, { ...known, trialUntil: null });
  }

  /** Reserves part of a daily limit; false when the limit would be passed. */
  async reserve(volume: DailyVolume, limit: number): Promise<boolean> {
    if (volume.amount > limit) return false;
    const total = await this.db.run((em) => this.repository.reserve(em, volume, limit));
    if (total === null) return false;
    this.rememberVolume(volume, total);
    return true;
  }

  async release(volume: DailyVolume): Promise<void> {
    const total = await this.db.run((em) => this.repository.release(em, volume));
    if (total !== null) this.rememberVolume(volume, total);
  }

  /**
   * Adds the counted successes, failures and volumes to the database. Flushes run one after the
   * other: a flush that found nothing pending must not return while an earlier one, holding the
   * counts it took, has not committed yet (a reader would miss them).
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushPending());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushPending(): Promise<void> {
    if (this.pendingCounts.size === 0 && this.pendingVolumes.size === 0) return;
    const counts = [...this.pendingCounts.values()];
    const volumes = [...this.pendingVolumes.values()];
    this.pendingCounts = new Map();
    this.pendingVolumes = new Map();
    try {
      await this.db.transaction(async (em) => {
        for (const c of counts) await this.repository.addCounts(em, c);
        for (const v of volumes) await this.repository.addVolume(em, v);
      });
    } catch (error) {
      // nothing was added: keep the numbers for the next flush
      for (const c of counts) {
        this.count(c.channelId, c.settlementDate, 'successes', c.successes);
        this.count(c.channelId, c.settlementDate, 'failures', c.failures);
      }
      for (const v of volumes) {
        const key = `${v.channelId}:${v.settlementDate}:${v.currency}`;
        const pending = this.pendingVolumes.get(key);
        if (pending) pending.amount += v.amount;
        else this.pendingVolumes.set(key, v);
      }
      throw error;
    }
  }

  /** Health of channels as stored, after adding this instance's pending counts. */
  async describe(
    channelIds: string[],
    settlementDate: string,
    now: number,
  ): Promise<Map<string, HealthView>> {
    await this.flush().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'channel counters could not be flushed'),
    );
    const { circuits, counts, volumes } = await this.db.run(async (em) => ({
      circuits: await this.repository.circuitsOf(em, channelIds),
      counts: await this.repository.countsOn(em, channelIds, settlementDate),
      volumes: await this.repository.volumesOn(em, settlementDate, channelIds),
    }));
    const views = new Map<string, HealthView>();
    for (const id of channelIds) {
      const circuit = circuits.get(id) ?? CLOSED_CIRCUIT;
      const count = counts.find((c) => c.channelId === id);
      const attempts = count ? count.successes + count.failures : 0;
      views.set(id, {
        state: circuitState(circuit, now),
        successRate:
          count && attempts > 0 ? Math.round((count.successes / attempts) * 1e4) / 1e4 : null,
        consecutiveFailures: circuit.consecutiveFailures,
        todayVolume: volumes
          .filter((v) => v.channelId === id && v.amount !== 0)
          .map((v) => ({ currency: v.currency, amount: v.amount })),
      });
    }
    return views;
  }

  private count(
    channelId: string,
    settlementDate: string,
    field: 'successes' | 'failures',
    n = 1,
  ): void {
    const key = `${channelId}:${settlementDate}`;
    let counts = this.pendingCounts.get(key);
    if (!counts) {
      counts = { channelId, settlementDate, successes: 0, failures: 0 };
      this.pendingCounts.set(key, counts);
    }
    counts[field] += n;
  }

  private remember(channelId: string, row: CircuitRow): void {
    this.circuits.set(channelId, row);
    this.writtenAt.set(channelId, ++this.writeSeq);
  }

  private rememberVolume(volume: DailyVolume, total: number): void {
    if (volume.settlementDate !== this.volumeDate) return;
    const key = volumeKey(volume.channelId, volume.currency);
    this.volumes.set(key, total);
    this.writtenAt.set(key, ++this.writeSeq);
  }
}
