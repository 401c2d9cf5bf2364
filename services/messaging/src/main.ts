import { bootstrapService } from '@chat/platform-bootstrap';
import { AppModule } from './app.module';

void bootstrapService(AppModule, { groupId: 'messaging', port: 3103 });
