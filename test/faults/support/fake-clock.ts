import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A clock the test moves for a running paygate process: libfaketime (Debian's `faketime`
 * package) preloaded into the process reads its offset from a file on every call
 * (FAKETIME_NO_CACHE), so writing the file shifts the process's wall clock at once. Only the
 * wall clock moves (FAKETIME_DONT_FAKE_MONOTONIC): timers keep their real pace, as on a server
 * whose NTP daemon stepped the clock.
 */
export class FakeClock {
  private offsetMs = 0;

  private constructor(private readonly dir: string) {
    this.write();
  }

  static create(): FakeClock {
    return new FakeClock(mkdtempSync(join(tmpdir(), 'paygate-faults-clock-')));
  }

  /** What the process's clock reads now. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the process's clock by `ms` (forward when positive). */
  shift(ms: number): void {
    this.offsetMs += ms;
    this.write();
  }

  /** Sets the process's clock so that it reads `epochMs` now. */
  setTo(epochMs: number): void {
    this.offsetMs = epochMs - Date.now();
    this.write();
  }

  /** The environment that puts a process on this clock. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: libfaketime(),
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get file(): string {
    return join(this.dir, 'faketime');
  }

  private write(): void {
    // libfaketime's relative form: "+<seconds>" or "-<seconds>", fractions allowed
    const seconds = (this.offsetMs / 1000).toFixed(3);
    writeFileSync(this.file, `${this.offsetMs >= 0 ? '+' : ''}${seconds}\n`);
  }
}

/** Where Debian puts the library (/usr/lib/<multiarch>/faketime/libfaketime.so.1). */
function libfaketime(): string {
  if (process.env.FAKETIME_LIB) return process.env.FAKETIME_LIB;
  const candidates = [
    ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'faketime', 'libfaketime.so.1')),
    '/usr/lib/faketime/libfaketime.so.1',
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('libfaketime not found: apt-get install faketime');
  return found;
}
