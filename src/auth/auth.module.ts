import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { CredentialStateCache } from './credential-state-cache';
import { CredentialsRepository } from './credentials.repository';
import { AuthenticationGuard } from './guards/authentication.guard';
import { PermissionsGuard } from './guards/permissions.guard';
import { JwtStrategy } from './jwt.strategy';
import { PrincipalResolver } from './principal-resolver.service';
import { RoutePermissionsCheck } from './route-permissions.check';

@Module({
  imports: [PassportModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    BootstrapAdminService,
    CredentialsRepository,
    CredentialStateCache,
    JwtStrategy,
    PrincipalResolver,
    AuthenticationGuard,
    PermissionsGuard,
    RoutePermissionsCheck,
  ],
  exports: [
    CredentialsRepository,
    CredentialStateCache,
    AuthenticationGuard,
    PermissionsGuard,
    PrincipalResolver,
  ],
})
export class AuthModule {}
