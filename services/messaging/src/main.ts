import { bootstrapService } from '@chat/platform-bootstrap';
import { AppModule } from './app.module';

// Every partition at once (8 of commands and 4 of conversation events by
// default): a conversations.get waiting for the projection holds its own
// partition only, never the conversation events it waits for.
// Within a partition, different conversations run side by side (up to 32
// at once), each conversation's commands in order.
void bootstrapService(AppModule, { groupId: 'messaging', concurrency: 16, keyConcurrency: 32 });
