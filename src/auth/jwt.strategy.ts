import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { KeysService } from '../common/crypto/keys.service';
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
        _token: unknown,
        done: (e: Error | null, key?: Buffer) => void,
      ) => done(null, keys.jwtKey as unknown as Buffer),
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
