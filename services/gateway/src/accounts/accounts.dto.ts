import { createZodDto } from 'nestjs-zod';
import {
  AuthResultSchema,
  ChangePasswordBodySchema,
  DeleteMeBodySchema,
  ExportResultSchema,
  LoginBodySchema,
  LogoutBodySchema,
  MeResultSchema,
  RefreshBodySchema,
  RegisterBodySchema,
  SessionsResultSchema,
  UpdateMeBodySchema,
} from '@chat/contracts';

// The OpenAPI document's schemas, from the same zod schemas the controller validates with
// (the class names are the component names REST_CALLS lists).
export class RegisterBody extends createZodDto(RegisterBodySchema) {}
export class LoginBody extends createZodDto(LoginBodySchema) {}
export class RefreshBody extends createZodDto(RefreshBodySchema) {}
export class LogoutBody extends createZodDto(LogoutBodySchema) {}
export class AuthResultBody extends createZodDto(AuthResultSchema) {}
export class MeResultBody extends createZodDto(MeResultSchema) {}
export class UpdateMeBody extends createZodDto(UpdateMeBodySchema) {}
export class DeleteMeBody extends createZodDto(DeleteMeBodySchema) {}
export class ChangePasswordBody extends createZodDto(ChangePasswordBodySchema) {}
export class SessionsResultBody extends createZodDto(SessionsResultSchema) {}
export class ExportResultBody extends createZodDto(ExportResultSchema) {}
