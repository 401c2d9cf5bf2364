import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FieldSealer } from './field-sealer';

/**
 * FieldSealer for the services that seal and open fields (gateway and auth), keyed
 * from the JWT_SECRET they already share: one secret to rotate, not two.
 */
@Global()
@Module({
  providers: [
    {
      provide: FieldSealer,
      inject: [ConfigService],
      useFactory: (config: ConfigService<{ JWT_SECRET: string }, true>) => new FieldSealer(config.get('JWT_SECRET', { infer: true })),
    },
  ],
  exports: [FieldSealer],
})
export class SealingModule {}
