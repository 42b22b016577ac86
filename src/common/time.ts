/** Times leave the service as ISO 8601 UTC with milliseconds; inside they are epoch ms. */
export function iso(epochMs: number): string;
export function iso(epochMs: number | null | undefined): string | null;
export function iso(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();
}
