import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '../auth/permissions';
import { ChannelsService } from './channels.service';
import { ChannelProviderListDto } from './dto/channel-provider.dto';

@ApiTags('渠道路由')
@ApiBearerAuth('bearer')
@Controller('v1/channel-providers')
export class ChannelProvidersController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @Permission('channels.read')
  @ApiOperation({
    summary: '渠道类型 List channel providers',
    description:
      "Every provider a channel may use, with the settings its `config` takes, as the provider's own " +
      'validator declares them: the console builds its channel form from this list.',
  })
  list(): ChannelProviderListDto {
    return this.channels.listProviders();
  }
}
