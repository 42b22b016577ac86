import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { BootstrapConsoleService } from './bootstrap-console.service';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleSessionsCleanupJob } from './console-sessions-cleanup.job';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { ConsoleSessionsService } from './console-sessions.service';
import { ConsoleUsersController } from './console-users.controller';
import { ConsoleUsersRepository } from './console-users.repository';
import { ConsoleUsersService } from './console-users.service';
import { SessionAuthenticator } from './session-authenticator';

/**
 * The web console's accounts and browser sessions. Global because the authentication guard
 * (auth module) turns session cookies into principals with `SessionAuthenticator`.
 */
@Global()
@Module({
  imports: [AuthModule, MerchantsModule],
  controllers: [ConsoleSessionController, ConsoleUsersController],
  providers: [
    ConsoleUsersService,
    ConsoleSessionsService,
    ConsoleUsersRepository,
    ConsoleSessionsRepository,
    SessionAuthenticator,
    BootstrapConsoleService,
    ConsoleSessionsCleanupJob,
  ],
  exports: [SessionAuthenticator],
})
export class ConsoleModule {}
