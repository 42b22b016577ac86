import { createHmac, KeyObject, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { KeysService, SigningKey } from '../common/crypto/keys.service';
import { keyFingerprint } from '../common/crypto/secret-box';
import { AuthError } from './auth.errors';
import { PrincipalResolver } from './principal-resolver.service';
import { Principal } from './principal';
import { TOKEN_ALGORITHMS, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenClaims } from './token-claims';
import { cacheVerifiedTokens } from './verified-token-cache';

cacheVerifiedTokens();

/**
 * Bearer tokens from `Authorization: Bearer …` or the original document's `access_token`
 * header; never from the query string. Signature, algorithm, issuer, audience and expiry are
 * checked by passport-jwt; the credential's current state by `PrincipalResolver`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: KeysService,
    private readonly principals: PrincipalResolver,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromHeader('access_token'),
      ]),
      // a KeyObject: passport-jwt's types say string | Buffer; jsonwebtoken takes a KeyObject as is
      secretOrKeyProvider: (
        _request: unknown,
        token: unknown,
        done: (e: Error | null, key?: Buffer) => void,
      ) => done(null, verificationKey(keys.signingKeys, token) as unknown as Buffer),
      algorithms: [...TOKEN_ALGORITHMS],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(claims: Partial<TokenClaims>): Promise<Principal> {
    if (typeof claims.exp !== 'number' || typeof claims.sub !== 'string' || !claims.scope) {
      throw AuthError.unauthenticated();
    }
    return this.principals.resolve(claims.sub, claims.scope, claims.source_id ?? null);
  }
}

/**
 * The key a token is checked with: the one its `kid` names (by id or by fingerprint, the id a
 * secret has when given alone in JWT_SECRET). A token without `kid` (signed before key ids)
 * gets the secret whose HMAC matches. Anything else gets the current key, and fails the
 * signature check that follows.
 */
export function verificationKey(ring: SigningKey[], token: unknown): KeyObject {
  if (typeof token !== 'string' || ring.length === 1) return ring[0].key;
  const [header, payload, signature] = token.split('.');
  let kid: unknown;
  try {
    kid = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown }).kid;
  } catch {
    return ring[0].key;
  }
  if (typeof kid === 'string') {
    return (ring.find((k) => k.id === kid || keyFingerprint(k.secret) === kid) ?? ring[0]).key;
  }
  const given = Buffer.from(signature ?? '', 'base64url');
  const match = ring.find((k) => {
    const expected = createHmac('sha256', k.key).update(`${header}.${payload}`).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return (match ?? ring[0]).key;
}
