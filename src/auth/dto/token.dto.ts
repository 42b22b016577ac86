import { IsIn, IsString, MaxLength } from 'class-validator';
import { IfPresent } from '../../common/validation/decorators';

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4), as JSON or form; or HTTP Basic. */
export class TokenRequestDto {
  /** Always `client_credentials`. @example client_credentials */
  @IsString()
  @IsIn(['client_credentials'], { message: 'grant_type must be client_credentials' })
  grant_type!: string;

  /** Omit when sent with HTTP Basic. @example cli_3b0c6f0e2d1a9b8c7d6e5f40 */
  @IfPresent()
  @IsString()
  @MaxLength(128)
  client_id?: string;

  /** Omit when sent with HTTP Basic. @example pgs_x2Vd…Q */
  @IfPresent()
  @IsString()
  @MaxLength(256)
  client_secret?: string;
}

export class TokenDto {
  /** The bearer token: send it as `Authorization: Bearer <token>` or `access_token: <token>`. */
  access_token!: string;
  /** @example Bearer */
  token_type!: 'Bearer';
  /** Seconds until the token expires. @example 7200 */
  expires_in!: number;
  /** `merchant` or `admin`. @example merchant */
  scope!: 'merchant' | 'admin';
}
