import { Role } from './principal';

export const TOKEN_ISSUER = 'paygate';
export const TOKEN_AUDIENCE = 'paygate-api';
/** HMAC-SHA256 only: `none`, RS*, and anything else is refused before the signature is read. */
export const TOKEN_ALGORITHMS = ['HS256'] as const;

export interface TokenClaims {
  sub: string;
  scope: Role;
  source_id?: number;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}
