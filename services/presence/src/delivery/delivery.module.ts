import { Module } from '@nestjs/common';
import { Pushes } from './pushes';

@Module({ providers: [Pushes], exports: [Pushes] })
export class DeliveryModule {}
