import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { PublisherModule } from '../publisher/publisher.module';
import { StoreModule } from '../store/store.module';
import { ProjectionHandlers } from './projection.handlers';
import { ProjectionService } from './projection.service';

@Module({
  imports: [StoreModule, PublisherModule, MediaModule],
  controllers: [ProjectionHandlers],
  providers: [ProjectionService],
})
export class ProjectionModule {}
