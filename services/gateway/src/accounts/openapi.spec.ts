import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { KafkaBus } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import { AccountsController } from './accounts.controller';
import { ProfileController } from './profile.controller';
import { RevokedSessions } from './revoked-sessions';

type Schema = { type?: string; properties?: Record<string, unknown>; required?: string[]; $ref?: string };

describe('OpenAPI document', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('carries the REST bodies and answers as the contracts define them', async () => {
    const module = await Test.createTestingModule({
      controllers: [AccountsController, ProfileController],
      providers: [
        { provide: KafkaBus, useValue: {} },
        { provide: ConfigService, useValue: new ConfigService({}) },
        RevokedSessions,
        { provide: FieldSealer, useValue: new FieldSealer('x'.repeat(32)) },
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    app.setGlobalPrefix('api/v1');
    await app.init();
    // As main.ts builds it.
    const doc = cleanupOpenApiDoc(SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Chat REST API').setVersion('1').build()));
    await app.close();
    const schemas = doc.components?.schemas as Record<string, Schema>;
    // Strict like the schema (extra fields are refused), with nothing of nestjs-zod's own left in.
    expect(schemas['RegisterBody']).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['username', 'password']) });
    expect(JSON.stringify(doc)).not.toContain('x-nestjs_zod');
    expect(Object.keys(schemas['RegisterBody']?.properties ?? {}).sort()).toEqual(['displayName', 'password', 'username']);
    expect(Object.keys(schemas['LoginBody']?.properties ?? {}).sort()).toEqual(['password', 'username']);
    expect(Object.keys(schemas['AuthResultBody']?.properties ?? {}).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    // v1.1, People.
    expect(Object.keys(schemas['ChangePasswordBody']?.properties ?? {}).sort()).toEqual(['currentPassword', 'newPassword']);
    expect(Object.keys(schemas['UpdateMeBody']?.properties ?? {}).sort()).toEqual(['displayName']);
    expect(Object.keys(schemas['DeleteMeBody']?.properties ?? {}).sort()).toEqual(['password']);
    expect(Object.keys(schemas['LogoutBody']?.properties ?? {}).sort()).toEqual(['all', 'refreshToken']);
    for (const [path, method] of [
      ['/api/v1/me', 'patch'],
      ['/api/v1/me', 'delete'],
      ['/api/v1/me/export', 'get'],
      ['/api/v1/auth/password', 'post'],
      ['/api/v1/auth/sessions', 'get'],
      ['/api/v1/auth/sessions/{id}', 'delete'],
    ] as const) {
      expect({ path, method, documented: !!(doc.paths[path] as Record<string, unknown> | undefined)?.[method] }).toEqual({ path, method, documented: true });
    }
    const register = doc.paths['/api/v1/auth/register']?.post;
    expect(JSON.stringify(register?.requestBody)).toContain('#/components/schemas/RegisterBody');
    expect(JSON.stringify(register?.responses['201'])).toContain('#/components/schemas/AuthResultBody');
  });
});
