import { Controller, Get } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { AppError } from '../common/errors/app-error';

@ApiTags('Operations')
@Controller('v1/teapot')
export class TeapotController {
  /** Always 418 `im_a_teapot` (RFC 2324), kept from the original document's status table. */
  @Get()
  @Public()
  @ApiResponse({
    status: 418,
    description: 'Always: the error envelope with reason `im_a_teapot`.',
  })
  brew(): never {
    throw new AppError('im_a_teapot');
  }
}
