import {
  Body,
  Controller,
  createParamDecorator,
  ExecutionContext,
  Header,
  HttpCode,
  Ip,
  Post,
  SetMetadata,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { AllowDuringMaintenance } from '../admin/maintenance/maintenance.decorator';
import { AuthService } from './auth.service';
import { TokenDto, TokenRequestDto } from './dto/token.dto';
import { ApiErrors } from '../docs/api-errors.decorator';

export const TOKEN_ENDPOINT = 'paygate:token-endpoint';

/** The raw Authorization header (HTTP Basic client credentials), when there is one. */
const AuthorizationHeader = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
);

@ApiTags('获取Token')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('token')
  @HttpCode(200)
  @Public()
  @AllowDuringMaintenance()
  @SetMetadata(TOKEN_ENDPOINT, true)
  // with the Cache-Control: no-store every response carries (RFC 6749 §5.1)
  @Header('pragma', 'no-cache')
  @ApiBasicAuth()
  @ApiBody({
    type: TokenRequestDto,
    examples: {
      client_credentials: {
        summary: 'client_id and client_secret in the body',
        value: {
          grant_type: 'client_credentials',
          client_id: 'cli_3b0c6f0e2d1a9b8c7d6e5f40',
          client_secret: 'pgs_4f7e2a9c1b8d6e3f5a0b2c4d6e8f0a1b',
        },
      },
    },
  })
  @ApiErrors('unsupported_grant_type', 'invalid_client', 'merchant_suspended')
  @ApiOperation({
    summary: '获取Token Get an access token',
    description:
      'OAuth 2.0 client credentials grant. Send `client_id` and `client_secret` in a JSON or form ' +
      'body, or as HTTP Basic credentials. Rate limited per client address; failed attempts ' +
      'lock out the client_id from that address, and an address failing for many client ids, ' +
      'for a while (429 `rate_limited` with `Retry-After`).',
  })
  issueToken(
    @Body() body: TokenRequestDto,
    @Ip() ip: string,
    @AuthorizationHeader() authorization?: string,
  ): Promise<TokenDto> {
    return this.auth.issueToken(body, authorization, ip);
  }
}
