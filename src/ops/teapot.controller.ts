import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { AppError } from '../common/errors/app-error';
import { ApiErrors } from '../docs/api-errors.decorator';

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
  @ApiErrors('im_a_teapot')
  @ApiOperation({
    summary: '茶壶 Teapot',
    description: "Always 418 `im_a_teapot` (RFC 2324), from the original document's status table.",
  })
  brew(): never {
    throw new AppError('im_a_teapot');
  }
}
