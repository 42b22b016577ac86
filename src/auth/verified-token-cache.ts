import { Strategy as JwtStrategy } from 'passport-jwt';

type Verifier = (
  token: string,
  key: unknown,
  options: unknown,
  done: (error: Error | null, payload?: { exp?: number }) => void,
) => void;

const MAX_ENTRIES = 10_000;

/**
 * passport-jwt verifies every request's token with an HMAC even when the same token was
 * verified a moment ago; a merchant's server sends one token thousands of times. This wraps
 * passport-jwt's verifier (its `JwtVerifier` hook) so that a token, byte for byte, that passed
 * verification is trusted until its own `exp`; anything else goes through the full check.
 * The credential's current state is still checked on every request (PrincipalResolver), so a
 * revoked credential's cached token is refused at once all the same.
 */
export function cacheVerifiedTokens(): void {
  const strategy = JwtStrategy as unknown as { JwtVerifier: Verifier & { cached?: true } };
  if (strategy.JwtVerifier.cached) return;
  const verify = strategy.JwtVerifier;
  const verified = new Map<
    string,
    { payload: { exp?: number }; expiresAt: number; key: unknown }
  >();
  const cached: Verifier = (token, key, options, done) => {
    const hit = verified.get(token);
    // only under the key it was verified with: a key taken out of the ring is not trusted on
    if (hit && hit.expiresAt > Date.now() && hit.key === key) return done(null, hit.payload);
    if (hit) verified.delete(token);
    verify(token, key, options, (error, payload) => {
      if (!error && payload && typeof payload.exp === 'number') {
        if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value as string);
        verified.set(token, { payload, expiresAt: payload.exp * 1000, key });
      }
      done(error, payload);
    });
  };
  strategy.JwtVerifier = Object.assign(cached, { cached: true as const });
}
