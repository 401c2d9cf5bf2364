import { createZodDto } from 'nestjs-zod';
import { AuthResultSchema, LoginBodySchema, LogoutBodySchema, MeResultSchema, RefreshBodySchema, RegisterBodySchema } from '@chat/contracts';

// The OpenAPI document's schemas, from the same zod schemas the controller validates with
// (the class names are the component names REST_CALLS lists).
export class RegisterBody extends createZodDto(RegisterBodySchema) {}
export class LoginBody extends createZodDto(LoginBodySchema) {}
export class RefreshBody extends createZodDto(RefreshBodySchema) {}
export class LogoutBody extends createZodDto(LogoutBodySchema) {}
export class AuthResultBody extends createZodDto(AuthResultSchema) {}
export class MeResultBody extends createZodDto(MeResultSchema) {}
