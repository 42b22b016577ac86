import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sign } from 'jsonwebtoken';
import { KeysService } from '../common/crypto/keys.service';
import { clientAddressKey } from '../common/net/client-address';
import { FailureThrottle } from '../common/rate-limit/failure-throttle';
import { FailureThrottles } from '../common/rate-limit/failure-throttles';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { AuthError } from './auth.errors';
import { DECOY_HASH, verifySecret } from './client-secrets';
import { CredentialsRepository } from './credentials.repository';
import { TokenDto, TokenRequestDto } from './dto/token.dto';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './token-claims';

/**
 * Failures for one client_id within the window, from any addresses, that are reported (never
 * refused): as many as would lock it out from this many addresses.
 */
const CLIENT_ALERT_ADDRESSES = 10;

/** 获取Token: exchanges client credentials for a short-lived signed token. */
@Injectable()
export class AuthService {
  private readonly failures: FailureThrottle<'client_id' | 'address'>;

  constructor(
    private readonly db: Database,
    private readonly credentials: CredentialsRepository,
    private readonly keys: KeysService,
    private readonly config: AppConfig,
    throttles: FailureThrottles,
  ) {
    const env = config.env;
    const window = env.TOKEN_FAILURE_WINDOW_SECONDS;
    // client_id is not a secret: failures lock out the client id *from that address*, and an
    // address guessing at many ids; never the client id everywhere, which would let anyone
    // who knows it lock its merchant out. Failures spread over many addresses are reported.
    this.failures = throttles.create('token', [
      {
        name: 'client_address',
        by: ['client_id', 'address'],
        failures: env.TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS,
        windowSeconds: window,
        lockoutSeconds: window,
        clearedBySuccess: true,
      },
      {
        name: 'address',
        by: ['address'],
        failures: env.TOKEN_FAILURES_PER_ADDRESS,
        windowSeconds: window,
        lockoutSeconds: window,
      },
      {
        name: 'client',
        by: ['client_id'],
        failures: env.TOKEN_FAILURES_PER_CLIENT_AND_ADDRESS * CLIENT_ALERT_ADDRESSES,
        windowSeconds: window,
        lockoutSeconds: window,
        alertOnly: true,
      },
    ]);
  }

  async issueToken(
    request: TokenRequestDto,
    authorization: string | undefined,
    ip: string | undefined,
  ): Promise<TokenDto> {
    if (request.grant_type !== 'client_credentials') throw AuthError.unsupportedGrantType();
    const { clientId, clientSecret } = clientCredentialsOf(request, authorization);
    const attempt = { client_id: clientId ?? '', address: clientAddressKey(ip) };
    const lockout = await this.failures.check(attempt);
    if (lockout) throw this.failures.refusal(lockout);
    const credential = clientId
      ? await this.db.run((em) => this.credentials.state(em, clientId))
      : null;
    // the secret is always checked, against a decoy when the id is unknown: same answer, same time
    const matches = await verifySecret(clientSecret ?? '', credential?.secretHash ?? DECOY_HASH);
    if (!clientId || !credential || !matches || credential.status !== 'active') {
      await this.failures.failed(attempt);
      throw AuthError.invalidClient();
    }
    await this.failures.succeeded(attempt);
    if (credential.role === 'merchant' && credential.merchantStatus !== 'active') {
      throw AuthError.merchantSuspended();
    }
    const expiresIn = this.config.env.TOKEN_TTL_SECONDS;
    const claims = {
      scope: credential.role,
      ...(credential.sourceId !== null ? { source_id: credential.sourceId } : {}),
    };
    const signing = this.keys.jwtSigningKey;
    const token = sign(claims, signing.key, {
      algorithm: 'HS256',
      keyid: signing.id,
      subject: clientId,
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      expiresIn,
      jwtid: randomUUID(),
    });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: credential.role,
    };
  }
}

/** Credentials from HTTP Basic (RFC 6749 §2.3.1) or from the body; both at once must agree. */
export function clientCredentialsOf(
  body: TokenRequestDto,
  authorization: string | undefined,
): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!basic) return { clientId: body.client_id, clientSecret: body.client_secret };
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw AuthError.invalidClient();
  const clientId = safeDecode(decoded.slice(0, colon));
  const clientSecret = safeDecode(decoded.slice(colon + 1));
  // no credential holds a NUL, and PostgreSQL cannot even look one up (the body's fields are
  // refused by validation; these come from the header)
  if (clientId.includes('\u0000')) throw AuthError.invalidClient();
  if (
    (body.client_id && body.client_id !== clientId) ||
    (body.client_secret && body.client_secret !== clientSecret)
  ) {
    throw AuthError.invalidClient();
  }
  return { clientId, clientSecret };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
