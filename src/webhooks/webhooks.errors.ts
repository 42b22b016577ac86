import { AppError } from '../common/errors/app-error';

export class WebhookError extends AppError {
  static eventNotFound(): WebhookError {
    return new WebhookError('event_not_found');
  }
  static sourceIdMismatch(sourceId: number): WebhookError {
    return new WebhookError('source_id_mismatch', { source_id: sourceId });
  }
}
