import { AppError } from '../common/errors/app-error';

export class ChannelError extends AppError {
  static channelNotFound(): ChannelError {
    return new ChannelError('channel_not_found');
  }
  static deleted(code: string): ChannelError {
    return new ChannelError('channel_deleted', { code });
  }
  static codeTaken(code: string): ChannelError {
    return new ChannelError('channel_code_taken', { code });
  }
}
