import { SetMetadata } from '@nestjs/common';
import { ErrorReason } from '../common/errors/error-catalogue';

export const API_ERRORS = 'paygate:api-errors';

/**
 * The domain reasons a route can answer with, beyond the ones every route of its kind shares
 * (validation, authentication, roles, idempotency, rate limit, maintenance, server errors),
 * which the OpenAPI document adds from the route's own metadata. Documentation only: the
 * reasons are what the route's service throws.
 */
export const ApiErrors = (...reasons: ErrorReason[]) => SetMetadata(API_ERRORS, reasons);
