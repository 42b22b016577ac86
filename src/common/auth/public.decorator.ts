import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'paygate:public';

/** The route needs no access token. Every other route does. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
