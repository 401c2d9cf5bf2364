import { bootstrapService } from '@chat/platform-bootstrap';
import { AppModule } from './app.module';

void bootstrapService(AppModule, { groupId: 'media' });
