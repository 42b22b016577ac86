import { SetMetadata } from '@nestjs/common';

export const RAW_RESPONSE = 'paygate:raw-response';
export const PRODUCES = 'paygate:produces';

/**
 * The handler writes its own body (Prometheus text, CSV, HTML, a provider's expected reply):
 * the success envelope is not applied. Errors still get the error envelope.
 */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Media types the route answers with; an `Accept` header that excludes all of them is 406. */
export const Produces = (...types: string[]) => SetMetadata(PRODUCES, types);
