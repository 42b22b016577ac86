/**
 * Times in the console are shown in the gateway's settlement time zone (SETTLEMENT_TZ, which
 * the server writes into index.html's `paygate-settlement-tz` meta tag), with the zone named,
 * so an operator in another zone reads the same days as the bills.
 */

export const DEFAULT_TZ = 'Asia/Shanghai';

/** The settlement time zone of the serving gateway. */
export function settlementTz(): string {
  if (typeof document === 'undefined') return DEFAULT_TZ;
  const meta = document.querySelector('meta[name="paygate-settlement-tz"]');
  return meta?.getAttribute('content') || DEFAULT_TZ;
}

function parts(instant: number, tz: string): Record<string, string> {
  const out: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const part of format.formatToParts(new Date(instant))) out[part.type] = part.value;
  return out;
}

/** Minutes the zone is ahead of UTC at that instant (480 for Asia/Shanghai). */
export function offsetMinutes(instant: number, tz: string): number {
  const p = parts(instant, tz);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** "+08:00" */
export function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** An ISO time as "2026-12-03 18:02:11" in the zone (null and bad input: "—"). */
export function formatTime(iso: string | null | undefined, tz: string): string {
  if (!iso) return '—';
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return '—';
  const p = parts(instant, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "Asia/Shanghai (UTC+08:00)": the zone as column headers name it. */
export function zoneLabel(tz: string, at: number = Date.now()): string {
  return `${tz} (UTC${offsetLabel(offsetMinutes(at, tz))})`;
}

/** Today's settlement date in the zone, "YYYY-MM-DD". */
export function todayIn(tz: string, now: number = Date.now()): string {
  const p = parts(now, tz);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A settlement date moved by whole days ("2026-03-01" − 1 = "2026-02-28"). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** The first instant of a settlement date in the zone, as ISO 8601 UTC. */
export function startOfDay(date: string, tz: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let instant = guess - offsetMinutes(guess, tz) * 60_000;
  instant = guess - offsetMinutes(instant, tz) * 60_000;
  return new Date(instant).toISOString();
}

/** The overview's period presets. */
export type Preset = '1h' | '24h' | '7d' | '30d';

/**
 * A preset as the statistics API's `from`/`to`: the last hour and day as ISO instants by hour,
 * the last 7 and 30 settlement days (today included) as dates by day.
 */
export function presetRange(
  preset: Preset,
  tz: string,
  now: number = Date.now(),
): { from: string; to: string; granularity: 'hour' | 'day' } {
  if (preset === '1h' || preset === '24h') {
    const hours = preset === '1h' ? 1 : 24;
    const end = Math.ceil(now / 3_600_000) * 3_600_000;
    return {
      from: new Date(end - hours * 3_600_000).toISOString(),
      to: new Date(end).toISOString(),
      granularity: 'hour',
    };
  }
  const today = todayIn(tz, now);
  return { from: addDays(today, preset === '7d' ? -6 : -29), to: today, granularity: 'day' };
}
