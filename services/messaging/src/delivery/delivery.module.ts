import { Module } from '@nestjs/common';
import { Deliveries } from './deliveries';

@Module({ providers: [Deliveries], exports: [Deliveries] })
export class DeliveryModule {}
