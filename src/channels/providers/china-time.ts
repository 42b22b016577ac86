/**
 * Alipay and WeChat Pay write times in Beijing time (Asia/Shanghai, UTC+8 without daylight
 * saving), whatever the time zone of the server calling them.
 */

/** Time as both providers write it: `yyyy-MM-dd HH:mm:ss` in Beijing (UTC+8, no DST). */
export function beijingTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch ms of a Beijing `yyyy-MM-dd HH:mm:ss[.SSS]` time (Alipay's gmt_refund has ms), or null. */
export function parseBeijingTime(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/.test(text))
    return null;
  const ms = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(ms) ? null : ms;
}

/** RFC 3339 in Beijing time, as WeChat Pay's `time_expire` expects: `2024-01-02T15:04:05+08:00`. */
export function beijingRfc3339(epochMs: number): string {
  return `${beijingTime(epochMs).replace(' ', 'T')}+08:00`;
}
