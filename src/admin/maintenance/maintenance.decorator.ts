import { SetMetadata } from '@nestjs/common';

export const ALLOW_DURING_MAINTENANCE = 'paygate:allow-during-maintenance';

/**
 * The route stays up in maintenance mode: the token endpoint (admins need a token to end it)
 * and provider notifications (money in flight is never refused).
 */
export const AllowDuringMaintenance = () => SetMetadata(ALLOW_DURING_MAINTENANCE, true);
